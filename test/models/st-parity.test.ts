/**
 * Parity of every family, as sentence-transformers folders, with references this project's graph
 * code does not produce: make-tiny checkpoints (real HF format) given sentence-transformers files
 * written here by hand in the shapes sentence-transformers saves (v3/v4 boolean pooling flags and
 * v5 `pooling_mode`), embedded by HfEmbedder and by the plain float64 forward passes of
 * test/reference with sentence-transformers' Pooling, Dense and Normalize written out as loops.
 * Prompts, lowercasing and lengths are applied here the way sentence-transformers applies them
 * (prompt + text), not through care's card. Cosine ≥ 0.9999 per row.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HfEmbedder } from "../../src/embed/hf.js";
import { TextTokenizer } from "../../src/tokenize/tokenizer.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";
import { SafetensorsFile } from "../../src/weights/safetensors.js";
import { bertForward } from "../reference/bert.js";
import { gteForward } from "../reference/gte.js";
import { activation } from "../reference/ops.js";
import { qwenForward } from "../reference/qwen.js";
import { denseReference, poolReference, truncateNormalize } from "../reference/pool.js";
import { HIDDEN, writeCase, type Case } from "./st-fixture.js";

const root = mkdtempSync(join(tmpdir(), "care-st-parity-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TEXTS = [
  "糖尿病患者应该吃什么药？",
  "头痛 Headache",
  "高血压的早期症状有哪些，需要注意什么",
  "发热三天",
];
const FORWARD = {
  bert: bertForward,
  "xlm-roberta": bertForward,
  gte: gteForward,
  qwen2: qwenForward,
  qwen3: qwenForward,
};
const GTE_QWEN2_AUTO_MAP = {
  AutoModel: "Alibaba-NLP/gte-Qwen2-1.5B-instruct--modeling_qwen.Qwen2Model",
};
const QWEN_PROMPT =
  "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:";

const CASES: Case[] = [
  {
    name: "bert, mean pooling, lower-cased, bge-style query prompt",
    family: "bert",
    pooling: "mean",
    lowercase: true,
    maxSeqLength: 12,
    prompts: { query: "为这个句子生成表示以用于检索相关文章：" },
  },
  { name: "bert, CLS pooling (v5 config)", family: "bert", pooling: "cls", v5: true },
  { name: "bert, last token ([SEP])", family: "bert", pooling: "last" },
  { name: "xlm-roberta, mean / sqrt(length)", family: "xlm-roberta", pooling: "mean_sqrt_len", v5: true },
  {
    name: "bert, weighted mean then two Dense modules (GELU, identity without bias)",
    family: "bert",
    pooling: "weightedmean",
    dense: [
      { out: 24, act: "gelu", bias: true },
      { out: 16, act: "identity", bias: false },
    ],
  },
  {
    name: "bert, mean pooling without the prompt (include_prompt false)",
    family: "bert",
    pooling: "mean",
    includePrompt: false,
    prompts: { query: "query: ", document: "passage: " },
  },
  {
    name: "xlm-roberta (multilingual-e5): mean pooling, query:/passage: prompts",
    family: "xlm-roberta",
    pooling: "mean",
    prompts: { query: "query: ", document: "passage: " },
  },
  {
    name: "xlm-roberta (bge-m3 dense): CLS pooling, lower-cased",
    family: "xlm-roberta",
    pooling: "cls",
    v5: true,
    lowercase: true,
  },
  {
    name: "gte (new): max pooling then Dense tanh",
    family: "gte",
    pooling: "max",
    v5: true,
    dense: [{ out: 16, act: "tanh", bias: true }],
  },
  {
    name: "qwen3 (Qwen3-Embedding): last token, instruction prompt",
    family: "qwen3",
    pooling: "last",
    prompts: { query: QWEN_PROMPT, document: "" },
  },
  { name: "qwen2: last token, causal", family: "qwen2", pooling: "last" },
  {
    name: "gte-Qwen2: bidirectional attention (auto_map convention), last token, Dense relu",
    family: "qwen2",
    pooling: "last",
    config: { auto_map: GTE_QWEN2_AUTO_MAP },
    causal: false,
    prompts: { query: "Instruct: Given a medical question, retrieve answers\nQuery: " },
    dense: [{ out: 20, act: "relu", bias: true }],
  },
  {
    name: "qwen2 with is_causal false in config.json: mean pooling",
    family: "qwen2",
    pooling: "mean",
    config: { is_causal: false },
    causal: false,
  },
];

/** sentence-transformers' pipeline, by hand: prompt + text, lower-case, tokenise, forward, pool, Dense, L2. */
function reference(c: Case, dir: string, texts: string[], prompt: string): Float32Array[] {
  const ck = openCheckpoint(dir);
  const tok = TextTokenizer.load(dir);
  // The reference decides causality from is_causal alone (gte-Qwen2's modeling code is bidirectional).
  const config = { ...ck.config, is_causal: c.causal ?? true };
  const lower = (t: string) => (c.lowercase ? t.toLowerCase() : t);
  const qwen = c.family.startsWith("qwen");
  // The prompt's tokens without the trailing special token, as sentence-transformers counts them.
  const promptIds = tok.encode(lower(prompt), 10_000, false);
  const skip = c.includePrompt === false ? promptIds.length - (qwen ? 0 : 1) : 0;
  const dense = (c.dense ?? []).map((d, i) => {
    const sub = openCheckpointDense(join(dir, `${2 + i}_Dense`));
    const act = d.act === "identity" ? (x: number) => x : activation(d.act);
    return { weight: sub.weight, bias: sub.bias, activation: act };
  });
  const out = texts.map((t) => {
    // Last-token models end with the end-of-text token (Qwen3-Embedding's tokenizer appends it).
    const ids = tok.encode(lower(prompt + t), c.maxSeqLength ?? 128, qwen && c.pooling === "last");
    const mask = ids.map(() => 1);
    const hidden = FORWARD[c.family](config, ck.weights, [ids], [mask]);
    let v = poolReference(hidden, [mask], c.pooling, [skip])[0];
    for (const d of dense) v = denseReference(v, d);
    return truncateNormalize(v);
  });
  ck.weights.close();
  return out;
}

function openCheckpointDense(path: string): { weight: Float32Array; bias?: Float32Array } {
  const file = SafetensorsFile.open(join(path, "model.safetensors"));
  const weight = file.float32("linear.weight");
  const bias = file.has("linear.bias") ? file.float32("linear.bias") : undefined;
  file.close();
  return { weight, bias };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

describe("sentence-transformers folders of every family against the reference pipeline", () => {
  beforeAll(() => {
    CASES.forEach((c, i) => writeCase(c, join(root, String(i))));
  });

  CASES.forEach((c, i) => {
    it(`${c.name}: cosine ≥ 0.9999`, async () => {
      const dir = join(root, String(i));
      const emb = await HfEmbedder.open(dir, { threads: 1, batchSize: 3 });
      const width = c.dense?.length ? c.dense[c.dense.length - 1].out : HIDDEN;
      expect(emb.dim).toBe(width);
      const docs = await emb.encodeCorpus(TEXTS.map((text, j) => ({ id: `d${j}`, text })));
      const queries = await emb.encodeQueries(TEXTS);
      // What result files record about the encoding: the prompts as sentence-transformers applies them.
      const enc = emb.encoding();
      expect(enc.document.prompt).toBe(`${c.prompts?.document ?? ""}{text}`);
      expect(enc.query.prompt).toBe(`${c.prompts?.query ?? ""}{text}`);
      const refDocs = reference(c, dir, TEXTS, c.prompts?.document ?? "");
      const refQueries = reference(c, dir, TEXTS, c.prompts?.query ?? "");
      docs.forEach((v, j) => expect(cosine(v, refDocs[j])).toBeGreaterThanOrEqual(0.9999));
      queries.forEach((v, j) => expect(cosine(v, refQueries[j])).toBeGreaterThanOrEqual(0.9999));
      // Not vacuous: rows differ from each other, and a prompt changes the embedding.
      expect(cosine(docs[0], docs[1])).toBeLessThan(0.999);
      if ((c.prompts?.query ?? "") !== (c.prompts?.document ?? ""))
        expect(cosine(docs[0], queries[0])).toBeLessThan(0.9999);
      if (c.causal === false) {
        // The attention direction is what the check sees: a causal reference is far off.
        const causal = reference({ ...c, causal: true }, dir, TEXTS, c.prompts?.document ?? "");
        expect(Math.min(...docs.map((v, j) => cosine(v, causal[j])))).toBeLessThan(0.999);
      }
      await emb.close();
    });
  });
});
