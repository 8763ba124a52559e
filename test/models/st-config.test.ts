/**
 * Reading sentence-transformers files: what each one changes in the card, and every refusal naming
 * the file and field (never a silent fallback).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { HfEmbedder } from "../../src/embed/hf.js";
import { loadCard } from "../../src/models/card.js";
import { buildEncoder } from "../../src/models/family.js";
import { ConfigReader } from "../../src/models/config.js";
import { makeTiny } from "../../src/models/make-tiny.js";
import { isCausal } from "../../src/models/qwen.js";
import { readPooling, readStConfig } from "../../src/models/sentence-transformers.js";
import { writeCase } from "./st-fixture.js";

const root = mkdtempSync(join(tmpdir(), "care-st-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A fresh bert folder with mean pooling, a Dense module and Normalize, for one test to break. */
function folder(): string {
  const dir = join(root, String(n++));
  writeCase(
    { name: "", family: "bert", pooling: "mean", dense: [{ out: 16, act: "tanh", bias: true }] },
    dir,
  );
  return dir;
}

function edit(file: string, change: (v: Record<string, unknown>) => void): void {
  const v = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  change(v);
  writeFileSync(file, JSON.stringify(v));
}

const config = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;

describe("sentence-transformers files", () => {
  it("set pooling, width, length, lowercasing and prompts in the card", () => {
    const dir = folder();
    edit(join(dir, "sentence_bert_config.json"), (v) => {
      v.max_seq_length = 77;
      v.do_lower_case = true;
    });
    edit(join(dir, "config_sentence_transformers.json"), (v) => {
      v.prompts = { query: "Instruct: Find answers\nQuery: ", passage: "passage: " };
    });
    const card = loadCard(dir, "bert", config(dir));
    expect(card).toMatchObject({
      pooling: "mean",
      dim: 16,
      max_length: 77,
      lowercase: true,
      query_template: "Instruct: {instruction}\nQuery: {text}",
      default_instruction: "Find answers",
      document_prompt: "passage: ",
      include_prompt: true,
    });
  });

  it("reads v5's module paths in modules.json", () => {
    const dir = folder();
    const file = join(dir, "modules.json");
    const m = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>[];
    const v5 = [
      "sentence_transformers.base.modules.transformer.Transformer",
      "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
      "sentence_transformers.base.modules.dense.Dense",
      "sentence_transformers.base.modules.normalize.Normalize",
    ];
    m.forEach((e, i) => (e.type = v5[i]));
    writeFileSync(file, JSON.stringify(m));
    const st = readStConfig(dir);
    expect([st.modules?.pooling.mode, st.modules?.dense.length, st.modules?.normalize]).toEqual([
      "mean",
      1,
      true,
    ]);
  });

  it("reads every v3/v4 pooling flag and the v5 pooling_mode; no flag means mean", () => {
    const file = join(root, "pool.json");
    const cases: [Record<string, unknown>, string][] = [
      [{ pooling_mode_lasttoken: true }, "last"],
      [{ pooling_mode_weightedmean_tokens: true }, "weightedmean"],
      [{ pooling_mode_mean_sqrt_len_tokens: true }, "mean_sqrt_len"],
      [{ pooling_mode_max_tokens: true }, "max"],
      [{ pooling_mode_mean_tokens: false }, "mean"],
      [{ pooling_mode: "lasttoken" }, "last"],
      [{ pooling_mode: ["max"] }, "max"],
    ];
    for (const [flags, mode] of cases) {
      writeFileSync(file, JSON.stringify({ word_embedding_dimension: 32, ...flags }));
      expect(readPooling(file).mode).toBe(mode);
    }
  });

  it("refuses what it cannot honour, naming the file and field", () => {
    const refuse = (change: (dir: string) => void, message: RegExp) => {
      const dir = folder();
      change(dir);
      expect(() => loadCard(dir, "bert", config(dir), readStConfig(dir))).toThrow(message);
    };
    const modules = (dir: string, f: (m: Record<string, unknown>[]) => void) => {
      const file = join(dir, "modules.json");
      const m = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>[];
      f(m);
      writeFileSync(file, JSON.stringify(m));
    };
    refuse(
      (d) =>
        modules(d, (m) =>
          m.splice(2, 0, { idx: 2, name: "2", path: "2_LSTM", type: "sentence_transformers.models.LSTM" }),
        ),
      /modules\.json: field "\[2\]\.type" is "sentence_transformers\.models\.LSTM"/,
    );
    refuse((d) => modules(d, (m) => (m[0].path = "0_Transformer")), /modules\.json: field "\[0\]\.path"/);
    refuse(
      (d) => modules(d, (m) => m.splice(1, 1)),
      /modules\.json: field "\[1\]\.type" Dense: Dense must come after Pooling/,
    );
    refuse(
      (d) => edit(join(d, "1_Pooling", "config.json"), (v) => (v.pooling_mode_cls_token = true)),
      /1_Pooling\/config\.json: field "pooling_mode" combines cls \+ mean/,
    );
    refuse(
      (d) =>
        writeFileSync(
          join(d, "1_Pooling", "config.json"),
          JSON.stringify({ embedding_dimension: 32, pooling_mode: "attention" }),
        ),
      /1_Pooling\/config\.json: field "pooling_mode" has "attention"/,
    );
    refuse((d) => {
      edit(join(d, "1_Pooling", "config.json"), (v) => (v.word_embedding_dimension = 64));
      edit(join(d, "2_Dense", "config.json"), (v) => (v.in_features = 64));
    }, /field "word_embedding_dimension" is 64 but config\.json's hidden_size is 32/);
    refuse(
      (d) => edit(join(d, "2_Dense", "config.json"), (v) => (v.activation_function = "my_module.Swish")),
      /2_Dense\/config\.json: field "activation_function" is "my_module\.Swish"/,
    );
    refuse(
      (d) => edit(join(d, "2_Dense", "config.json"), (v) => (v.in_features = 8)),
      /2_Dense\/config\.json: field "in_features" is 8 but its input is 32 wide/,
    );
    refuse((d) => {
      rmSync(join(d, "2_Dense", "model.safetensors"));
      writeFileSync(join(d, "2_Dense", "pytorch_model.bin"), "");
    }, /2_Dense: Dense module has no model\.safetensors \(pytorch_model\.bin is not read/);
    refuse(
      (d) => edit(join(d, "config_sentence_transformers.json"), (v) => (v.similarity_fn_name = "manhattan")),
      /config_sentence_transformers\.json: field "similarity_fn_name" is "manhattan"/,
    );
    refuse((d) => {
      modules(d, (m) => m.pop());
      edit(join(d, "config_sentence_transformers.json"), (v) => (v.similarity_fn_name = "dot"));
    }, /field "similarity_fn_name" is "dot" without a Normalize module/);
    refuse(
      (d) => edit(join(d, "config_sentence_transformers.json"), (v) => (v.default_prompt_name = "query")),
      /field "default_prompt_name" is "query", not one of the prompts/,
    );
    refuse(
      (d) =>
        edit(join(d, "sentence_bert_config.json"), (v) => (v.transformer_task = "sequence-classification")),
      /sentence_bert_config\.json: field "transformer_task" is "sequence-classification"/,
    );
    refuse(
      (d) => edit(join(d, "config_sentence_transformers.json"), (v) => (v.model_type = "SparseEncoder")),
      /field "model_type" is "SparseEncoder"/,
    );
    refuse(
      (d) => writeFileSync(join(d, "care.json"), JSON.stringify({ pooling: "cls" })),
      /care\.json: field "pooling" is "cls" but .*1_Pooling\/config\.json says "mean"/,
    );
  });

  it("refuses to leave the prompt out of CLS pooling", () => {
    const dir = join(root, "cls-prompt");
    writeCase({ name: "", family: "bert", pooling: "cls", includePrompt: false }, dir);
    const st = readStConfig(dir);
    expect(st.modules?.pooling.includePrompt).toBe(false);
    expect(() =>
      buildEncoder(
        config(dir),
        { names: () => [], has: () => false, shape: () => [], float32: () => new Float32Array() },
        { pooling: "cls", excludePrompt: true },
      ),
    ).toThrow(/include_prompt false cannot apply/);
  });

  it("without sentence-transformers files keeps the family default and says so once on stderr", async () => {
    const dir = join(root, "plain");
    makeTiny({ out: dir, family: "bert", layers: 1, hidden: 16, heads: 2 });
    rmSync(join(dir, "care.json"));
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const a = await HfEmbedder.open(dir, { threads: 1 });
      await a.close();
      const b = await HfEmbedder.open(dir, { threads: 1 });
      await b.close();
      const lines = spy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("modules.json"));
      expect(lines).toEqual([
        `${dir}: no sentence-transformers modules.json; pooling "cls" (the bert family's default)\n`,
      ]);
      expect(a.card.pooling).toBe("cls");
    } finally {
      spy.mockRestore();
    }
  });

  it("a Dense module sets the embedding width", async () => {
    const dir = folder();
    const emb = await HfEmbedder.open(dir, { threads: 1 });
    expect([emb.width, emb.dim]).toEqual([16, 16]);
    const [v] = await emb.encodeCorpus([{ id: "a", text: "头痛" }]);
    expect(v.length).toBe(16);
    await emb.close();
    // Through the on-disk cache too (external data; Dense initializers are named "2_Dense/…").
    const prev = process.env.CARE_CACHE_DIR;
    process.env.CARE_CACHE_DIR = join(root, "cache");
    try {
      const cached = await HfEmbedder.open(dir, { threads: 1, inMemoryWeights: 0 });
      const [w] = await cached.encodeCorpus([{ id: "a", text: "头痛" }]);
      await cached.close();
      Array.from(v).forEach((x, i) => expect(w[i]).toBeCloseTo(x, 6));
    } finally {
      if (prev === undefined) delete process.env.CARE_CACHE_DIR;
      else process.env.CARE_CACHE_DIR = prev;
    }
    await expect(HfEmbedder.open(dir, { dim: 17 })).rejects.toThrow(/embedding width 16/);
  });
});

describe("attention direction of Qwen checkpoints", () => {
  it("is_causal decides; else gte-Qwen2's remote Qwen2Model means bidirectional", () => {
    const causal = (c: Record<string, unknown>) => isCausal(new ConfigReader(c));
    const gte = { AutoModel: "modeling_qwen.Qwen2Model" };
    expect(causal({})).toBe(true);
    expect(causal({ is_causal: false })).toBe(false);
    expect(causal({ is_causal: true, auto_map: gte })).toBe(true);
    expect(causal({ auto_map: gte })).toBe(false);
    expect(
      causal({ auto_map: { AutoModel: "Alibaba-NLP/gte-Qwen2-7B-instruct--modeling_qwen.Qwen2Model" } }),
    ).toBe(false);
    expect(causal({ auto_map: { AutoModel: "modeling_other.Qwen2Model" } })).toBe(true);
    expect(() => causal({ is_causal: "no" })).toThrow(/field "is_causal" must be true or false/);
  });
});
