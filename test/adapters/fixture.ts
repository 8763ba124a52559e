import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Doc } from "../../src/core/doc.js";
import type { TaskHint } from "../../src/core/embedder.js";
import { buildIndex } from "../../src/store/build.js";
import { FixtureHashEmbedder } from "../store/fixture-embedders.js";

export const INSTRUCTION = "为这个医学问题检索相关回答";
export const DOCS = [
  { _id: "d1", title: "糖尿病饮食", text: "糖尿病患者应控制血糖，西瓜含糖量高，少量食用" },
  { _id: "d2", title: "高血压", text: "高血压患者要低盐饮食，按时服药" },
  { _id: "d3", text: "感冒发烧可以多喝水，注意休息" },
];

/**
 * TEST FIXTURE: the hash embedder on both sides, recording which side encoded what and with which task,
 * so a test can see that queries reach the query side with their instruction and documents the other.
 */
export class RecordingEmbedder extends FixtureHashEmbedder {
  readonly calls: { side: "query" | "document"; texts: string[]; task?: TaskHint }[] = [];
  closed = false;

  override async encodeQueries(texts: string[], task?: TaskHint): Promise<Float32Array[]> {
    this.calls.push({ side: "query", texts, task });
    return super.encodeQueries(texts);
  }

  override async encodeCorpus(docs: Doc[], task?: TaskHint): Promise<Float32Array[]> {
    this.calls.push({ side: "document", texts: docs.map((d) => d.text), task });
    return super.encodeCorpus(docs);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A task folder's corpus indexed by the hash embedder; the index remembers the task's instruction. */
export async function buildFixtureIndex(): Promise<{ root: string; index: string }> {
  const root = mkdtempSync(join(tmpdir(), "care-adapter-"));
  const task = join(root, "task");
  mkdirSync(task);
  writeFileSync(
    join(task, "task.json"),
    JSON.stringify({
      name: "Med-Retrieval",
      type: "retrieval",
      split: "test",
      query_instruction: INSTRUCTION,
    }),
  );
  writeFileSync(join(task, "corpus.jsonl"), DOCS.map((d) => JSON.stringify(d)).join("\n"));
  await buildIndex({
    corpus: task,
    out: join(root, "idx"),
    encoders: [new FixtureHashEmbedder(64)],
    progress: false,
  });
  return { root, index: join(root, "idx") };
}
