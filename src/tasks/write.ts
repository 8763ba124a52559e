import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic, writeJsonlAtomic } from "../util/atomic.js";
import type { ClusterItem, RankingData, StsPair, TaskMeta } from "../core/task.js";
import type { Qrels } from "../core/qrels.js";

/** Writes a task folder in the format of ./task.ts; every file atomically. */
export function writeRankingTask(dir: string, meta: TaskMeta, data: RankingData): void {
  mkdirSync(join(dir, "qrels"), { recursive: true });
  writeJsonlAtomic(
    join(dir, "corpus.jsonl"),
    data.corpus.map((d) =>
      d.title !== undefined ? { _id: d.id, title: d.title, text: d.text } : { _id: d.id, text: d.text },
    ),
  );
  writeJsonlAtomic(
    join(dir, "queries.jsonl"),
    data.queries.map((q) => ({ _id: q.id, text: q.text })),
  );
  writeFileAtomic(join(dir, "qrels", `${meta.split}.tsv`), qrelsTsv(data.qrels));
  if (data.candidates) {
    writeJsonlAtomic(
      join(dir, "candidates.jsonl"),
      [...data.candidates].map(([qid, ids]) => ({ "query-id": qid, "corpus-ids": ids })),
    );
  }
  writeMeta(dir, meta);
}

export function writeStsTask(dir: string, meta: TaskMeta, pairs: StsPair[]): void {
  mkdirSync(dir, { recursive: true });
  writeJsonlAtomic(join(dir, "pairs.jsonl"), pairs);
  writeMeta(dir, meta);
}

export function writeClusteringTask(dir: string, meta: TaskMeta, items: ClusterItem[]): void {
  mkdirSync(dir, { recursive: true });
  writeJsonlAtomic(join(dir, "items.jsonl"), items);
  writeMeta(dir, meta);
}

/** task.json goes last, so a folder with a task.json is a complete one. */
function writeMeta(dir: string, meta: TaskMeta): void {
  writeFileAtomic(join(dir, "task.json"), JSON.stringify(meta, null, 2) + "\n");
}

export function qrelsTsv(qrels: Qrels): string {
  const lines = ["query-id\tcorpus-id\tscore"];
  for (const [qid, docs] of qrels) for (const [did, s] of docs) lines.push(`${qid}\t${did}\t${s}`);
  return lines.join("\n") + "\n";
}
