import { join } from "node:path";
import { Prng } from "../../../src/bench/cluster/prng.js";
import { writeClusteringTask, writeRankingTask, writeStsTask } from "../../../src/tasks/write.js";
import type { Qrels } from "../../../src/core/qrels.js";
import type { Doc } from "../../../src/core/doc.js";

const WORDS = ["头痛", "发热", "咳嗽", "高血压", "糖尿病", "失眠", "胃痛", "过敏", "感冒", "腹泻"];

/**
 * A small deterministic suite of one task per type. Documents repeat texts (exact score ties for
 * any model), ids mix lengths ("d7" vs "d12") so the id tie-break matters, judgments are graded,
 * one query has only non-relevant judgments, and one judgment names a document no model can rank
 * first. Returns the suite folder.
 */
export function writeToySuite(root: string): string {
  const rng = new Prng(7);
  const pick = () => WORDS[rng.int(WORDS.length)];
  const corpus: Doc[] = [];
  for (let i = 0; i < 60; i++) {
    const text = i % 7 === 3 && i > 10 ? corpus[i - 10].text : `${pick()}${pick()}的治疗和${pick()}`;
    corpus.push(i % 5 === 0 ? { id: `d${i}`, title: pick(), text } : { id: `d${i}`, text });
  }
  const queries = Array.from({ length: 14 }, (_, i) => ({ id: `q${i}`, text: `${pick()}${pick()}怎么办` }));
  const qrels: Qrels = new Map();
  for (const q of queries) {
    const words = WORDS.filter((w) => q.text.includes(w));
    const judged = new Map<string, number>();
    for (const d of corpus) {
      const full = `${d.title ?? ""}${d.text}`;
      const hits = words.filter((w) => full.includes(w)).length;
      if (hits > 0) judged.set(d.id, Math.min(hits, 2));
      else if (rng.next() < 0.05) judged.set(d.id, 0);
    }
    qrels.set(q.id, judged);
  }
  qrels.set("q13", new Map([["d1", 0]]));
  const suite = join(root, "suite");
  const base = { split: "dev", source: "test fixture" };
  writeRankingTask(
    join(suite, "toy-retrieval"),
    { ...base, name: "toy-retrieval", type: "retrieval", main_score: "ndcg_at_10" },
    { corpus, queries, qrels },
  );
  const candidates = new Map(
    queries.map((q, i) => [q.id, corpus.filter((_, j) => (i + j) % 3 === 0).map((d) => d.id)]),
  );
  writeRankingTask(
    join(suite, "toy-reranking"),
    { ...base, name: "toy-reranking", type: "reranking", main_score: "map_at_1000" },
    { corpus, queries, qrels, candidates },
  );
  const pairs = Array.from({ length: 40 }, () => {
    const [a, b, c] = [pick(), pick(), pick()];
    const same = rng.int(3);
    return {
      sentence1: `${a}${b}`,
      sentence2: same === 2 ? `${b}${a}` : same === 1 ? `${a}${c}` : `${c}${c}`,
      score: same,
    };
  });
  writeStsTask(
    join(suite, "toy-sts"),
    { ...base, name: "toy-sts", type: "sts", main_score: "cosine_spearman", min_score: 0, max_score: 2 },
    pairs,
  );
  const items = Array.from({ length: 60 }, (_, i) => {
    const label = WORDS[i % 4];
    return { text: `${label}${label}${label}${i % 3 === 0 ? pick() : ""}`, label };
  });
  writeClusteringTask(
    join(suite, "toy-clustering"),
    { ...base, name: "toy-clustering", type: "clustering", main_score: "v_measure" },
    items,
  );
  return suite;
}
