import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatQuery, loadCard } from "../../src/models/card.js";
import { HfEmbedder } from "../../src/embed/hf.js";
import { saveModel } from "../../src/graph/onnx.js";
import { buildEncoder } from "../../src/models/family.js";
import { encoderFamily, makeTiny, type TinyFamily } from "../../src/models/make-tiny.js";
import { TextTokenizer } from "../../src/tokenize/tokenizer.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";
import { bertForward } from "../reference/bert.js";
import { gteForward } from "../reference/gte.js";
import { qwenForward } from "../reference/qwen.js";
import { poolReference, truncateNormalize } from "../reference/pool.js";

const dir = mkdtempSync(join(tmpdir(), "care-hf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEXTS = ["糖尿病患者应该吃什么药？", "头痛", "高血压的早期症状有哪些，需要注意什么", "发热三天"];
const FORWARD = {
  bert: bertForward,
  "xlm-roberta": bertForward,
  gte: gteForward,
  qwen2: qwenForward,
  qwen3: qwenForward,
};

/** Reference embeddings: tokenizer → plain-loop forward pass → pooling → truncation → L2. */
function reference(family: TinyFamily, ckDir: string, texts: string[], dim?: number): Float32Array[] {
  const ck = openCheckpoint(ckDir);
  const tok = TextTokenizer.load(ckDir);
  const card = loadCard(ckDir, encoderFamily(family), ck.config);
  const out = texts.map((t) => {
    // One text at a time: the reference never sees padding, so batching and sorting are checked too.
    const ids = tok.encode(t, card.max_length, card.pooling === "last");
    const mask = ids.map(() => 1);
    const hidden = FORWARD[family](ck.config, ck.weights, [ids], [mask]);
    return truncateNormalize(poolReference(hidden, [mask], card.pooling)[0], dim);
  });
  ck.weights.close();
  return out;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((v, i) => v.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i][j])))));
  return m;
}

describe("HfEmbedder", () => {
  const families: TinyFamily[] = ["bert", "xlm-roberta", "gte", "qwen2", "qwen3"];
  beforeAll(() => {
    for (const family of families)
      makeTiny({ out: join(dir, family), family, seed: 5, layers: 2, hidden: 32, heads: 4 });
  });

  for (const family of families) {
    it(`${family}: equals the reference forward pass, pooling and normalisation`, async () => {
      const emb = await HfEmbedder.open(join(dir, family), { threads: 1, batchSize: 3 });
      expect(emb.dim).toBe(32);
      const docs = await emb.encodeCorpus(TEXTS.map((text, i) => ({ id: `d${i}`, text })));
      expect(maxAbsDiff(docs, reference(family, join(dir, family), TEXTS))).toBeLessThan(1e-4);
      for (const v of docs) expect(Math.hypot(...v)).toBeCloseTo(1, 5);

      const task = { name: "t", type: "retrieval" as const, queryInstruction: "检索相关医学回答" };
      const queries = await emb.encodeQueries(TEXTS.slice(0, 2), task);
      const formatted = TEXTS.slice(0, 2).map((t) => formatQuery(emb.card, t, task.queryInstruction));
      if (family.startsWith("qwen"))
        expect(formatted[0]).toBe(`Instruct: 检索相关医学回答\nQuery:${TEXTS[0]}`);
      else expect(formatted[0]).toBe(TEXTS[0]);
      expect(maxAbsDiff(queries, reference(family, join(dir, family), formatted))).toBeLessThan(1e-4);
      await emb.close();
    });
  }

  it("cuts to a Matryoshka width before normalising", async () => {
    const emb = await HfEmbedder.open(join(dir, "qwen3"), { threads: 1, dim: 8 });
    expect(emb.dim).toBe(8);
    const rows = await emb.encodeCorpus([{ id: "a", text: TEXTS[0] }]);
    expect(rows[0].length).toBe(8);
    expect(maxAbsDiff(rows, reference("qwen3", join(dir, "qwen3"), [TEXTS[0]], 8))).toBeLessThan(1e-4);
    await emb.close();
    await expect(HfEmbedder.open(join(dir, "qwen3"), { dim: 33 })).rejects.toThrow(/embedding width 32/);
  });

  it("describes the checkpoint so that a changed model is noticed", async () => {
    const a = await HfEmbedder.open(join(dir, "bert"), { threads: 1 });
    const idA = a.describe().query;
    expect(idA).toMatchObject({ kind: "hf", dim: 32 });
    expect(a.describe().document).toEqual(idA);
    await a.close();
    makeTiny({ out: join(dir, "bert2"), family: "bert", seed: 5 });
    const b = await HfEmbedder.open(join(dir, "bert2"), { threads: 1, dim: 16 });
    const idB = b.describe().query;
    expect(idB.config_hash).toBe(idA.config_hash);
    expect(idB.dim).toBe(16);
    expect(idB.path).not.toBe(idA.path);
    await b.close();
    makeTiny({ out: join(dir, "bert2"), family: "bert", seed: 6 });
    const c = await HfEmbedder.open(join(dir, "bert2"), { threads: 1, dim: 16 });
    expect(c.describe().query.weights_hash).not.toBe(idB.weights_hash);
    await c.close();
  });

  it("opens a model over the in-memory limit from a cached file with external weights, written once per graph", async () => {
    const cache = join(dir, "cache");
    const saved = process.env.CARE_CACHE_DIR;
    process.env.CARE_CACHE_DIR = cache;
    try {
      const inMemory = await HfEmbedder.open(join(dir, "qwen3"), { threads: 1 });
      const fromFile = await HfEmbedder.open(join(dir, "qwen3"), { threads: 1, inMemoryWeights: 0 });
      const rows = [inMemory, fromFile].map((e) => e.encodeCorpus([{ id: "a", text: TEXTS[2] }]));
      expect(maxAbsDiff(await rows[0], await rows[1])).toBe(0);
      const files = () => readdirSync(join(cache, "onnx"), { recursive: true, encoding: "utf8" }).sort();
      const first = files();
      expect(first.filter((f) => f.endsWith("model.onnx.data"))).toHaveLength(1);
      const stamp = statSync(
        join(
          cache,
          "onnx",
          first.find((f) => f.endsWith("model.onnx"))!,
        ),
      ).mtimeMs;
      await fromFile.close();
      await (await HfEmbedder.open(join(dir, "qwen3"), { threads: 1, inMemoryWeights: 0 })).close();
      expect(files()).toEqual(first);
      expect(
        statSync(
          join(
            cache,
            "onnx",
            first.find((f) => f.endsWith("model.onnx"))!,
          ),
        ).mtimeMs,
      ).toBe(stamp);
      // Another graph of the same checkpoint (int8) gets a file of its own.
      await (
        await HfEmbedder.open(join(dir, "qwen3"), { threads: 1, inMemoryWeights: 0, quantize: "int8" })
      ).close();
      expect(files().filter((f) => f.endsWith("model.onnx"))).toHaveLength(2);
      await inMemory.close();
    } finally {
      if (saved === undefined) delete process.env.CARE_CACHE_DIR;
      else process.env.CARE_CACHE_DIR = saved;
    }
  });

  it("identifies a checkpoint the same however its path is spelled", async () => {
    // An index built with hf:./m must accept a server started with hf:/abs/m.
    const abs = await HfEmbedder.open(resolve(dir, "bert"), { threads: 1 });
    const rel = await HfEmbedder.open(relative(process.cwd(), resolve(dir, "bert")), { threads: 1 });
    expect(rel.describe().query).toEqual(abs.describe().query);
    await abs.close();
    await rel.close();
  });

  it("matches transformers.js run on our exported BERT ONNX (cosine ≥ 0.9999)", async () => {
    // transformers.js loads a local folder offline: config, tokenizer and onnx/model.onnx under
    // env.localModelPath; it tokenizes with its own tokenizer and pools and normalises itself.
    const root = join(dir, "tjs");
    const model = join(root, "tiny-bert");
    mkdirSync(join(model, "onnx"), { recursive: true });
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
      copyFileSync(join(dir, "bert", f), join(model, f));
    }
    const ck = openCheckpoint(join(dir, "bert"));
    saveModel(buildEncoder(ck.config, ck.weights, { pooling: "cls" }), join(model, "onnx", "model.onnx"));
    ck.weights.close();
    const { env, pipeline } = await import("@huggingface/transformers");
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = root;
    const extractor = await pipeline("feature-extraction", "tiny-bert", { dtype: "fp32" });
    const peer = (await extractor(TEXTS, { pooling: "cls", normalize: true })).tolist() as number[][];
    await extractor.dispose();
    const emb = await HfEmbedder.open(join(dir, "bert"), { threads: 1 });
    const ours = await emb.encodeCorpus(TEXTS.map((text, i) => ({ id: String(i), text })));
    await emb.close();
    ours.forEach((v, i) => {
      expect(v.reduce((s, x, j) => s + x * peer[i][j], 0)).toBeGreaterThanOrEqual(0.9999);
    });
  });

  it("names the folder or file when a checkpoint cannot be opened", async () => {
    await expect(HfEmbedder.open(join(dir, "missing"))).rejects.toThrow(
      `${join(dir, "missing")}: not a checkpoint folder`,
    );
  });
});
