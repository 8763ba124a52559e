import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatQuery, QWEN_DEFAULT_INSTRUCTION } from "../../src/models/card.js";
import { normalize } from "../../src/util/vector.js";
import { GgufEmbedder } from "../../src/embed/gguf.js";
import { HfEmbedder } from "../../src/embed/hf.js";
import { loadEmbedder } from "../../src/embed/load.js";
import { convertToGguf } from "../../src/gguf/convert.js";
import { makeTiny } from "../../src/models/make-tiny.js";
import { TextTokenizer } from "../../src/tokenize/tokenizer.js";
import { CareError } from "../../src/core/errors.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";
import { qwenForward } from "../reference/qwen.js";

const TEXTS = [
  "糖尿病患者的血糖控制目标是什么？",
  "The patient has had a fever of 39.5°C for 3 days.",
  "高血压 hypertension：头痛、头晕，\n需要长期服药。",
  "  两个空格  and tabs\t结尾 ",
  "",
];
const CHARS = [...new Set([...TEXTS.join(""), ..."医生治疗咳嗽发热"])].filter(
  (c) => c.codePointAt(0)! > 0x7f,
);

let tmp: string;
let dir: string;
const files: Record<"f32" | "f16" | "q8_0", string> = { f32: "", f16: "", q8_0: "" };

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "care-gguf-embed-"));
  dir = join(tmp, "qwen3");
  makeTiny({ out: dir, family: "qwen3", hidden: 64, heads: 4, layers: 2, chars: CHARS, seed: 11 });
  const ck = openCheckpoint(dir);
  for (const type of ["f32", "f16", "q8_0"] as const) {
    files[type] = join(tmp, `qwen3-${type}.gguf`);
    convertToGguf(ck, files[type], type);
  }
  ck.weights.close();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Reference embeddings: plain-TS forward pass, last token, L2-normalised. */
function reference(ids: number[]): Float32Array {
  const ck = openCheckpoint(dir);
  const h = qwenForward(ck.config, ck.weights, [ids], [ids.map(() => 1)])[0];
  ck.weights.close();
  const last = h[h.length - 1];
  const n = Math.hypot(...last);
  return last.map((v) => v / n);
}

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describe("GgufEmbedder", () => {
  let exact: GgufEmbedder;
  beforeAll(async () => {
    exact = await GgufEmbedder.open(files.f32, {
      kvCacheType: "F32",
      flashAttention: false,
      gpu: false,
      threads: 2,
    });
  });
  afterAll(() => exact.close());

  it("tokenises as the HF tokenizer does, end-of-text appended", () => {
    const hf = TextTokenizer.load(dir);
    for (const t of TEXTS) expect(exact.tokenize(t), JSON.stringify(t)).toEqual(hf.encode(t, 2048, true));
  });

  it("equals the reference forward pass with an F32 cache (F32 weights)", async () => {
    const got = await exact.encodeCorpus(TEXTS.map((text, i) => ({ id: String(i), text })));
    const cos = got.map((v, i) => cosine(v, reference(exact.tokenize(TEXTS[i]))));
    console.log(`gguf f32 vs reference 1 - cosine: ${cos.map((c) => (1 - c).toExponential(1)).join(" ")}`);
    for (const c of cos) expect(c).toBeGreaterThanOrEqual(0.9999);
    for (const v of got) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it("equals the ONNX path (hf:) on documents and instructed queries", async () => {
    const hf = await HfEmbedder.open(dir, { threads: 2 });
    try {
      const docs = TEXTS.map((text, i) => ({ id: String(i), text }));
      const task = { name: "t", type: "retrieval" as const, queryInstruction: "检索相关医学文献" };
      const pairs = [
        [await exact.encodeCorpus(docs), await hf.encodeCorpus(docs)],
        [await exact.encodeQueries(TEXTS, task), await hf.encodeQueries(TEXTS, task)],
      ];
      const cos = pairs.flatMap(([g, o]) => g.map((v, i) => cosine(v, o[i])));
      console.log(`gguf f32 vs hf (onnx) 1 - cosine: ${cos.map((c) => (1 - c).toExponential(1)).join(" ")}`);
      for (const c of cos) expect(c).toBeGreaterThanOrEqual(0.9999);
    } finally {
      await hf.close?.();
    }
  });

  it("F16 and Q8_0 files stay close to the reference", async () => {
    for (const [type, floor] of [
      ["f16", 0.999],
      ["q8_0", 0.99],
    ] as const) {
      const e = await GgufEmbedder.open(files[type], {
        kvCacheType: "F32",
        flashAttention: false,
        gpu: false,
      });
      const got = await e.encodeCorpus(TEXTS.map((text, i) => ({ id: String(i), text })));
      const cos = got.map((v, i) => cosine(v, reference(e.tokenize(TEXTS[i]))));
      console.log(
        `gguf ${type} vs reference 1 - cosine: ${cos.map((c) => (1 - c).toExponential(1)).join(" ")}`,
      );
      for (const c of cos) expect(c).toBeGreaterThanOrEqual(floor);
      await e.close();
    }
  });

  it("formats queries with the card's template and instruction", async () => {
    expect(exact.card.query_template).toContain("{instruction}");
    const [q] = await exact.encodeQueries(["发热怎么办"], {
      name: "t",
      type: "retrieval",
      queryInstruction: "找病因",
    });
    const [d] = await exact.encodeCorpus([
      { id: "x", text: formatQuery(exact.card, "发热怎么办", "找病因") },
    ]);
    expect(cosine(q, d)).toBeCloseTo(1, 6);
    const [byDefault] = await exact.encodeQueries(["发热怎么办"]);
    const [withDefault] = await exact.encodeCorpus([
      { id: "y", text: formatQuery(exact.card, "发热怎么办", QWEN_DEFAULT_INSTRUCTION) },
    ]);
    expect(cosine(byDefault, withDefault)).toBeCloseTo(1, 6);
    const [plain] = await exact.encodeCorpus([{ id: "z", text: "发热怎么办" }]);
    expect(cosine(q, plain)).toBeLessThan(0.999);
  });

  it("gives the same rows from a pool of contexts, in input order", async () => {
    const pooled = await GgufEmbedder.open(files.f32, {
      kvCacheType: "F32",
      flashAttention: false,
      gpu: false,
      threads: 2,
      contexts: 2,
    });
    const docs = [...TEXTS, ...TEXTS].map((text, i) => ({ id: String(i), text }));
    const a = await pooled.encodeCorpus(docs);
    const b = await exact.encodeCorpus(docs);
    a.forEach((v, i) => expect(cosine(v, b[i])).toBeCloseTo(1, 6));
    await pooled.close();
  });

  it("truncates to maxTokens keeping end-of-text, and cuts to a Matryoshka width", async () => {
    const small = await GgufEmbedder.open(files.f32, { gpu: false, maxTokens: 8, dim: 16 });
    const ids = small.tokenize(TEXTS[0].repeat(5));
    expect(ids.length).toBe(8);
    expect(ids.at(-1)).toBe(exact.tokenize("").at(-1));
    const [v] = await small.encodeCorpus([{ id: "a", text: TEXTS[0] }]);
    expect(v.length).toBe(16);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    await small.close();
  });

  it("serves as the document side of care:<query-dir>,gguf:<file>", async () => {
    const bert = join(tmp, "bert");
    makeTiny({ out: bert, family: "bert", hidden: 32, heads: 4, chars: CHARS, seed: 3 });
    const care = await loadEmbedder(`care:${bert},gguf:${files.f32}`);
    try {
      expect(care.dim).toBe(32);
      const docs = TEXTS.slice(0, 3).map((text, i) => ({ id: String(i), text }));
      const rows = await care.encodeCorpus(docs);
      const full = await exact.encodeCorpus(docs);
      // The document side is cut to the query encoder's width and renormalised.
      rows.forEach((v, i) =>
        expect(cosine(v, normalize(full[i].slice(0, 32)))).toBeGreaterThanOrEqual(0.9999),
      );
    } finally {
      await care.close?.();
    }
  });

  it("opens through loadEmbedder and names the file on failure", async () => {
    const e = await loadEmbedder(`gguf:${files.q8_0}`);
    expect(e.dim).toBe(64);
    expect(e.name).toBe(`gguf:${files.q8_0}`);
    await e.close?.();
    await expect(loadEmbedder(`gguf:${join(tmp, "none.gguf")}`)).rejects.toThrow(
      /none\.gguf: GGUF file not found/,
    );
    // node-llama-cpp never settles on these; our header check must answer first.
    const corrupt = join(tmp, "corrupt.gguf");
    writeFileSync(corrupt, "GGUF\x03\x00\x00\x00garbage");
    await expect(GgufEmbedder.open(corrupt, { gpu: false })).rejects.toThrow(
      /corrupt\.gguf: truncated GGUF header/,
    );
    const cut = join(tmp, "cut.gguf");
    writeFileSync(cut, readFileSync(files.f32).subarray(0, statSync(files.f32).size - 100));
    await expect(GgufEmbedder.open(cut, { gpu: false })).rejects.toThrow(
      /cut\.gguf: tensor ".*" ends at byte/,
    );
    writeFileSync(corrupt, "not a gguf at all");
    await expect(GgufEmbedder.open(corrupt, { gpu: false })).rejects.toThrow(CareError);
  });
});
