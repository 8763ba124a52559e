/**
 * The README's library example: evaluate a model on a task folder, index a corpus with the document
 * side of a CARE pair, and search it with the query side. CI type-checks and runs this file, from the
 * sources and from the packed tarball installed into an empty project.
 *
 * Run: npx tsx examples/quickstart.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIndex, evaluate, loadEmbedder, openIndex, search } from "care-retrieval";
import { makeTiny } from "care-retrieval/embed";
import { ndcgAtK } from "care-retrieval/bench";

const work = mkdtempSync(join(tmpdir(), "care-quickstart-"));
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

// A task folder (BEIR-like, MTEB-compatible): task.json, corpus, queries and judgments.
const task = join(work, "task");
mkdirSync(join(task, "qrels"), { recursive: true });
writeFileSync(
  join(task, "task.json"),
  JSON.stringify({
    name: "Tiny-Retrieval",
    type: "retrieval",
    split: "test",
    query_instruction: "检索能回答医学问题的文本",
  }),
);
writeFileSync(
  join(task, "corpus.jsonl"),
  jsonl([
    { _id: "d1", title: "糖尿病饮食", text: "糖尿病患者应控制血糖，西瓜含糖量高，只能少量食用。" },
    { _id: "d2", title: "高血压", text: "高血压患者要低盐饮食，按时服用降压药。" },
    { _id: "d3", title: "感冒", text: "感冒发烧时多喝水，注意休息，高烧不退要就医。" },
  ]),
);
writeFileSync(
  join(task, "queries.jsonl"),
  jsonl([
    { _id: "q1", text: "糖尿病人能吃西瓜吗" },
    { _id: "q2", text: "高血压饮食要注意什么" },
  ]),
);
writeFileSync(join(task, "qrels", "test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n");

// 1. Evaluate: a model spec (bm25, hf:<dir>, care:<query dir>,<doc dir>, gguf:<file>, openai:<url>#<model>).
const [bm25] = await evaluate("bm25", task);
console.log(`bm25 on ${bm25.task}: ${bm25.mainMetric} = ${bm25.mainScore.toFixed(3)}`);

// The metrics are plain functions (care-retrieval/bench loads no native addon): the gains of a
// ranking and the ideal gains in, a score out.
console.log(`nDCG@10 with the one relevant document second: ${ndcgAtK([0, 1, 0], [1], 10).toFixed(3)}`);

// 2. A CARE pair: a small query encoder (BERT) and a larger document encoder (Qwen3) in one space.
// Here both are tiny random checkpoints; use your trained pair instead.
const query = makeTiny({
  family: "bert",
  out: join(work, "query"),
  chars: [..."糖尿病人能吃西瓜吗高血压饮食要注意什么"],
});
const doc = makeTiny({
  family: "qwen3",
  out: join(work, "doc"),
  chars: [..."糖尿病患者应控制血糖西瓜含糖量高"],
});
const care = await loadEmbedder(`care:${query.dir},${doc.dir}`);

// 3. Index the corpus with the document side, then search with the query side (the task's instruction
// is remembered by the index and prepended to queries).
await buildIndex({ corpus: task, out: join(work, "index"), encoders: [care], progress: false });
const index = await openIndex(join(work, "index"));
const hits = await search(index, care, "糖尿病人能吃西瓜吗", { topK: 2 });
console.log(
  `${await index.count()} documents indexed; top hits: ${hits.map((h) => `${h.id} (${h.score.toFixed(3)})`).join(", ")}`,
);

await index.close();
await care.close?.();
rmSync(work, { recursive: true, force: true });
