import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { overlapKey } from "../../src/data/splits.js";
import { mineNegatives } from "../../src/mine/negatives.js";
import type { MinedRow } from "../../src/mine/records.js";
import { QUESTIONS, readJsonlSync, tinyBert, tmp, writeJsonl } from "./helpers.js";

const dir = tmp("negatives");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each query's positive shares its words, so a lexical retriever ranks it first unless excluded.
const ANSWERS = [
  "糖尿病患者可以少量吃西瓜，注意血糖",
  "高血压引起头痛应先测血压再服降压药",
  "孕妇感冒了多喝水，能吃的药要遵医嘱",
  "小儿发烧三十九度可以物理降温并服退烧药",
  "胃痛可以吃奥美拉唑等护胃的药",
  "失眠多梦的原因多为焦虑和作息不规律",
  "乙肝病毒携带者可以结婚，对方应接种疫苗",
  "脚踝扭伤后四十八小时内冷敷",
];
const corpus = [
  ...ANSWERS.map((text, i) => ({ _id: `a${i}`, text })),
  // The same text as positive a0 under another id, with a full-width comma and spaces: excluded by text.
  { _id: "copy0", text: " 糖尿病患者可以少量吃西瓜， 注意血糖 " },
  // The query itself, as a symmetric corpus holds it.
  { _id: "self1", text: QUESTIONS[1] },
  ...QUESTIONS.map((q, i) => ({ _id: `other${i}`, text: `${q.slice(0, 4)}的相关讨论` })),
];
const pairs = QUESTIONS.map((q, i) => ({ query: q, pos: [ANSWERS[i]], pos_id: `a${i}` }));

function check(rows: MinedRow[], k: number) {
  expect(rows.map((r) => r.query)).toEqual(QUESTIONS);
  rows.forEach((r, i) => {
    const ids = r.candidates.map((c) => c.id);
    expect(ids).not.toContain(`a${i}`);
    const posKeys = new Set([...r.pos, r.query].map(overlapKey));
    for (const c of r.candidates) expect(posKeys.has(overlapKey(c.text))).toBe(false);
    expect(r.candidates.length).toBeLessThanOrEqual(k);
    const scores = r.candidates.map((c) => c.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });
}

describe("care mine negatives", () => {
  it("BM25: never returns a known positive, by id or by (normalised) text, nor the query itself", async () => {
    const p = writeJsonl(join(dir, "pairs.jsonl"), pairs);
    const c = writeJsonl(join(dir, "corpus.jsonl"), corpus);
    const out = join(dir, "bm25.jsonl");
    const counts = await mineNegatives({
      pairs: p,
      corpus: c,
      retriever: "bm25",
      topK: 5,
      out,
      chunkSize: 3,
    });
    const rows = readJsonlSync<MinedRow>(out);
    check(rows, 5);
    // The positive was BM25's first hit for every query: excluded by id each time, copy0 by text for query 0.
    expect(counts.excluded_by_id).toBe(8);
    expect(counts.excluded_by_text).toBeGreaterThanOrEqual(2);
    expect(rows[0].candidates.map((x) => x.id)).not.toContain("copy0");
    expect(rows[1].candidates.map((x) => x.id)).not.toContain("self1");
    // What remains are the decoys that share the query's words.
    expect(rows[2].candidates[0].id).toBe("other2");
    expect(counts.queries).toBe(8);
    expect(counts.candidates).toBe(rows.reduce((s, r) => s + r.candidates.length, 0));
  });

  it("dense (tiny BERT, exact top-k over the whole corpus): every other document, positives excluded", async () => {
    const spec = tinyBert(join(dir, "bert"), [...QUESTIONS, ...ANSWERS, ...corpus.map((d) => d.text)]);
    // Positives known by text only (no ids): the id-less path must still catch them.
    const p = writeJsonl(
      join(dir, "pairs-text.jsonl"),
      pairs.map(({ query, pos }) => ({ query, pos, prompt: "检索相似问题" })),
    );
    const c = writeJsonl(join(dir, "corpus.jsonl"), corpus);
    const out = join(dir, "dense.jsonl");
    const counts = await mineNegatives({ pairs: p, corpus: c, retriever: spec, topK: corpus.length, out });
    const rows = readJsonlSync<MinedRow>(out);
    check(rows, corpus.length);
    expect(counts.excluded_by_id).toBe(0);
    rows.forEach((r, i) => {
      const expected = corpus
        .filter(
          (d) => d._id !== `a${i}` && !(i === 0 && d._id === "copy0") && !(i === 1 && d._id === "self1"),
        )
        .map((d) => d._id)
        .sort();
      expect(r.candidates.map((x) => x.id).sort()).toEqual(expected);
      expect(r.prompt).toBe("检索相似问题");
    });
  });

  it("names the file and line of a malformed pair", async () => {
    const p = writeJsonl(join(dir, "bad.jsonl"), [pairs[0], { query: "胃痛", pos: [] }]);
    const c = writeJsonl(join(dir, "corpus.jsonl"), corpus);
    await expect(
      mineNegatives({ pairs: p, corpus: c, retriever: "bm25", topK: 3, out: join(dir, "bad-out.jsonl") }),
    ).rejects.toThrow(/bad\.jsonl:2: field "pos" must be a non-empty array/);
  });
});
