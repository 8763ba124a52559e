/**
 * Export to folders sentence-transformers and transformers load unchanged: the files and their field
 * names as sentence-transformers saves them, a round trip through our loader that gives identical
 * embeddings (with and without care.json, so the sentence-transformers files alone carry pooling,
 * Dense, prompts, lengths and lowercasing), the README, and trained Dense weights written back.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TrainableEncoder, writeEncoderFiles } from "../../src/care/encoder.js";
import { HfEmbedder } from "../../src/embed/hf.js";
import { Graph } from "../../src/graph/ir.js";
import { importGraph } from "../../src/train/params.js";
import { exportFolder } from "../../src/train/st-folder.js";
import { SafetensorsFile } from "../../src/weights/safetensors.js";
import { runCliChild } from "../helpers/cli-child.js";
import { writeCase, type Case } from "../models/st-fixture.js";

const root = mkdtempSync(join(tmpdir(), "care-st-export-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TEXTS = ["糖尿病患者应该吃什么药？", "Headache 头痛", "高血压的早期症状有哪些"];
const json = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

/** sentence-transformers' config keys (Pooling v3/v4 save, Dense, Transformer, model config). */
const POOLING_KEYS = [
  "word_embedding_dimension",
  "pooling_mode_cls_token",
  "pooling_mode_mean_tokens",
  "pooling_mode_max_tokens",
  "pooling_mode_mean_sqrt_len_tokens",
  "pooling_mode_weightedmean_tokens",
  "pooling_mode_lasttoken",
  "include_prompt",
];
const DENSE_KEYS = ["in_features", "out_features", "bias", "activation_function", "use_residual"];
const MODEL_CONFIG_KEYS = [
  "__version__",
  "prompts",
  "default_prompt_name",
  "similarity_fn_name",
  "model_type",
];

async function embedAll(dir: string): Promise<Float32Array[]> {
  const emb = await HfEmbedder.open(dir, { threads: 1 });
  const task = { name: "t", type: "retrieval" as const, queryInstruction: "检索医学回答" };
  const rows = [
    ...(await emb.encodeQueries(TEXTS, task)),
    ...(await emb.encodeQueries(TEXTS)),
    ...(await emb.encodeCorpus(TEXTS.map((text, i) => ({ id: String(i), text })))),
  ];
  await emb.close();
  return rows;
}

const CASES: Case[] = [
  {
    name: "bert-dense",
    family: "bert",
    pooling: "weightedmean",
    lowercase: true,
    maxSeqLength: 16,
    prompts: { query: "为这个句子生成表示以用于检索相关文章：" },
    dense: [{ out: 12, act: "tanh", bias: true }],
  },
  {
    name: "e5",
    family: "xlm-roberta",
    pooling: "mean",
    includePrompt: false,
    prompts: { query: "query: ", document: "passage: " },
  },
  {
    name: "qwen3",
    family: "qwen3",
    pooling: "last",
    prompts: {
      query: "Instruct: Given a web search query, retrieve relevant passages\nQuery:",
      document: "",
    },
  },
];

describe("export to a sentence-transformers folder", () => {
  for (const c of CASES) {
    it(`${c.name}: writes sentence-transformers' files and embeds identically after the round trip`, async () => {
      const src = join(root, `${c.name}-src`);
      const out = join(root, `${c.name}-out`);
      writeCase(c, src);
      // Remote code an auto_map loads travels with the folder.
      writeFileSync(join(src, "modeling_custom.py"), "# remote code\n");
      exportFolder(src, out);
      expect(readFileSync(join(out, "modeling_custom.py"), "utf8")).toBe("# remote code\n");
      const files = readdirSync(out).sort();
      for (const f of [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "modules.json",
        "1_Pooling",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "README.md",
        "care.json",
      ])
        expect(files).toContain(f);
      expect(files.some((f) => f.endsWith("_Normalize"))).toBe(true);

      const modules = JSON.parse(readFileSync(join(out, "modules.json"), "utf8")) as Record<
        string,
        unknown
      >[];
      modules.forEach((m, i) => {
        expect(Object.keys(m).sort()).toEqual(["idx", "name", "path", "type"]);
        expect(m.idx).toBe(i);
      });
      expect(modules.map((m) => m.type)).toEqual([
        "sentence_transformers.models.Transformer",
        "sentence_transformers.models.Pooling",
        ...(c.dense ?? []).map(() => "sentence_transformers.models.Dense"),
        "sentence_transformers.models.Normalize",
      ]);
      const pooling = json(join(out, "1_Pooling", "config.json"));
      expect(Object.keys(pooling).sort()).toEqual([...POOLING_KEYS].sort());
      expect(Object.values(pooling).filter((v) => v === true).length).toBe(c.includePrompt === false ? 1 : 2);
      for (const d of modules.filter((m) => m.type === "sentence_transformers.models.Dense")) {
        const cfg = json(join(out, d.path as string, "config.json"));
        for (const k of Object.keys(cfg)) expect(DENSE_KEYS).toContain(k);
        expect(cfg.activation_function).toBe("torch.nn.modules.activation.Tanh");
        const w = SafetensorsFile.open(join(out, d.path as string, "model.safetensors"));
        expect(w.names().sort()).toEqual(["linear.bias", "linear.weight"]);
        w.close();
      }
      expect(json(join(out, "sentence_bert_config.json"))).toEqual({
        max_seq_length: c.maxSeqLength ?? 128,
        do_lower_case: c.lowercase ?? false,
      });
      const model = json(join(out, "config_sentence_transformers.json"));
      for (const k of Object.keys(model)) expect(MODEL_CONFIG_KEYS).toContain(k);
      expect(model.similarity_fn_name).toBe("cosine");
      expect(model.prompts).toEqual({
        query: c.prompts?.query ?? "",
        document: c.prompts?.document ?? "",
      });
      // transformers reads config.json and the weights as they were.
      expect(json(join(out, "config.json"))).toEqual(json(join(src, "config.json")));
      expect(
        readFileSync(join(out, "model.safetensors")).equals(readFileSync(join(src, "model.safetensors"))),
      ).toBe(true);
      expect(readFileSync(join(out, "README.md"), "utf8")).toMatch(
        /^---\nlibrary_name: sentence-transformers\npipeline_tag: sentence-similarity\n/,
      );

      const before = await embedAll(src);
      expect(await embedAll(out)).toEqual(before);
      // The sentence-transformers files alone say everything care.json says.
      rmSync(join(out, "care.json"));
      expect(await embedAll(out)).toEqual(before);
    });
  }

  it("puts benchmark results in the README's table (through the CLI)", async () => {
    const src = join(root, "bert-dense-src");
    // An official MTEB result file (TaskResult schema), as the public results repository holds them.
    const results = join(root, "results", "BAAI__bge-small-zh-v1.5", "abc123");
    mkdirSync(results, { recursive: true });
    writeFileSync(
      join(results, "CmedqaRetrieval.json"),
      JSON.stringify({
        dataset_revision: "cd540c506dae1cf9e9a59c3e06f42030d54e7301",
        task_name: "CmedqaRetrieval",
        mteb_version: "1.12.0",
        scores: {
          dev: [{ hf_subset: "default", languages: ["cmn-Hans"], main_score: 0.51234, ndcg_at_10: 0.51234 }],
        },
        evaluation_time: 10,
        kg_co2_emissions: null,
      }),
    );
    const out = join(root, "with-results");
    const r = await runCliChild([
      "models",
      "export",
      "--in",
      src,
      "--out",
      out,
      "--results",
      join(root, "results"),
      "--name",
      "care-test-model",
    ]).done;
    expect(r.code, r.out).toBe(0);
    const readme = readFileSync(join(out, "README.md"), "utf8");
    expect(readme).toContain("# care-test-model");
    expect(readme).toContain("| CmedqaRetrieval | dev | ndcg_at_10 | 0.5123 |");
    expect(readme).toContain(
      "| modules | Transformer → Pooling (weightedmean) → Dense (32→12, tanh) → Normalize |",
    );
  });

  it("writes trained Dense weights back to their module folder with the sentence-transformers files", async () => {
    const src = join(root, "bert-dense-src");
    const enc = TrainableEncoder.open(src, { maxLength: 32 });
    try {
      const imp = importGraph(new Graph("t"), enc.graph(), { trainable: () => true });
      const values = imp.params.map((p) => {
        const v = p.init().slice();
        // Mark the Dense weight ([in, out] in the graph) so its export can be recognised.
        if (p.origin?.tensor === "2_Dense/linear.weight") for (let i = 0; i < v.length; i++) v[i] = -v[i];
        return v;
      });
      expect(imp.params.some((p) => p.origin?.tensor === "2_Dense/linear.weight")).toBe(true);
      const out = join(root, "trained");
      mkdirSync(out);
      writeEncoderFiles(out, enc, imp.params, values, {
        card: enc.card,
        record: { stage: "care-stage1", base: src, data: "/data/stage1.jsonl", steps: 3 },
      });
      const before = SafetensorsFile.open(join(src, "2_Dense", "model.safetensors"));
      const after = SafetensorsFile.open(join(out, "2_Dense", "model.safetensors"));
      expect(Array.from(after.float32("linear.weight"))).toEqual(
        Array.from(before.float32("linear.weight"), (x) => -x),
      );
      expect(Array.from(after.float32("linear.bias"))).toEqual(Array.from(before.float32("linear.bias")));
      before.close();
      after.close();
      for (const f of [
        "modules.json",
        "config_sentence_transformers.json",
        "sentence_bert_config.json",
        "README.md",
      ])
        expect(existsSync(join(out, f))).toBe(true);
      const readme = readFileSync(join(out, "README.md"), "utf8");
      expect(readme).toContain("Training data: /data/stage1.jsonl.");
      expect(readme).toContain("Recipe: care-stage1.");
      expect(readme).toContain("| steps | 3 |");
      const emb = await HfEmbedder.open(out, { threads: 1 });
      expect(emb.dim).toBe(12);
      await emb.close();
    } finally {
      enc.close();
    }
  });
});
