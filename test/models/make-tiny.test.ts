import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { register } from "../../src/cli/models.js";
import { charsFromFile, makeTiny, randomWeights, tensorSpecs } from "../../src/models/make-tiny.js";
import { TextTokenizer } from "../../src/tokenize/tokenizer.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";
import { bf16ToF32, f32ToBf16 } from "../../src/weights/dtype.js";
import { bertForward } from "../reference/bert.js";
import { qwenForward } from "../reference/qwen.js";
import { gteForward } from "../reference/gte.js";
import { poolReference, truncateNormalize } from "../reference/pool.js";

const dir = mkdtempSync(join(tmpdir(), "care-tiny-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEXTS = ["糖尿病患者应该吃什么药？", "高血压的早期症状", "头痛发热三天"];

function rows(b: { ids: BigInt64Array; mask: BigInt64Array; batch: number; seqLen: number }) {
  const ids: number[][] = [];
  const mask: number[][] = [];
  for (let i = 0; i < b.batch; i++) {
    ids.push(Array.from(b.ids.subarray(i * b.seqLen, (i + 1) * b.seqLen), Number));
    mask.push(Array.from(b.mask.subarray(i * b.seqLen, (i + 1) * b.seqLen), Number));
  }
  return { ids, mask };
}

describe("make-tiny", () => {
  for (const family of ["bert", "xlm-roberta", "gte", "qwen2", "qwen3"] as const) {
    it(`${family}: writes a folder that the tokenizer library, openCheckpoint and the reference read`, () => {
      const out = join(dir, family);
      const made = makeTiny({ out, family, seed: 1 });
      for (const f of [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "care.json",
      ]) {
        expect(existsSync(join(out, f))).toBe(true);
      }
      const ck = openCheckpoint(out);
      expect(ck.config).toEqual(made.config);
      expect(ck.config.model_type).toBe(family === "gte" ? "new" : family);
      for (const s of tensorSpecs(ck.config)) expect(ck.weights.shape(s.name)).toEqual(s.shape);
      expect(ck.weights.names().length).toBe(tensorSpecs(ck.config).length);

      // The real library loads the tokenizer on its own, and every id fits the embedding table.
      const lib = new Tokenizer(JSON.parse(readFileSync(join(out, "tokenizer.json"), "utf8")), {});
      const ids = lib.encode(TEXTS[0]).ids;
      expect(Math.max(...ids)).toBeLessThan(ck.config.vocab_size as number);
      expect(ids).not.toContain(lib.token_to_id(family === "xlm-roberta" ? "<unk>" : "[UNK]") ?? -1);

      const qwen = family.startsWith("qwen");
      const tok = TextTokenizer.load(out);
      const batch = tok.encodeBatch(TEXTS, {
        maxLength: made.card.max_length,
        paddingSide: made.card.padding_side,
        appendEos: made.card.pooling === "last",
      });
      if (qwen) expect(ck.config.eos_token_id).toBe(tok.eosId);
      const { ids: idRows, mask } = rows(batch);
      const run = family === "gte" ? gteForward : qwen ? qwenForward : bertForward;
      const emb = poolReference(run(ck.config, ck.weights, idRows, mask), mask, made.card.pooling).map((v) =>
        truncateNormalize(v),
      );
      // Activations stay sane, and different texts land apart.
      for (const v of emb) expect(v.every(Number.isFinite)).toBe(true);
      const cos = emb[0].reduce((s, x, i) => s + x * emb[1][i], 0);
      expect(cos).toBeLessThan(0.99);
      ck.weights.close();
    });
  }

  it("xlm-roberta: XLM-R's special ids, padding index and a SentencePiece (Unigram) tokenizer", () => {
    const out = join(dir, "xlm-roberta");
    const tok = TextTokenizer.load(out);
    const json = JSON.parse(readFileSync(join(out, "tokenizer.json"), "utf8")) as { model: { type: string } };
    expect(json.model.type).toBe("Unigram");
    const ids = tok.encode("头痛 Fever", 64);
    expect(ids[0]).toBe(0); // <s>
    expect(ids[ids.length - 1]).toBe(2); // </s>
    expect(tok.padId).toBe(1);
    expect(tok.tokenizer.id_to_token(ids[1])).toBe("▁");
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({
      model_type: "xlm-roberta",
      pad_token_id: 1,
      max_position_embeddings: 514,
    });
  });

  it("is deterministic in the seed and writes exactly the in-memory weights", () => {
    const a = makeTiny({ out: join(dir, "s1"), family: "qwen3", seed: 7, chars: [..."糖尿病"] });
    const b = openCheckpoint(join(dir, "s1"));
    const mem = randomWeights(a.config, 7);
    const other = randomWeights(a.config, 8);
    const name = "layers.1.self_attn.k_proj.weight";
    expect([...b.weights.float32(name)]).toEqual([...mem.float32(name)]);
    expect([...other.float32(name)]).not.toEqual([...mem.float32(name)]);
    b.weights.close();
  });

  it("writes bf16 when asked, and sets torch_dtype", () => {
    const made = makeTiny({ out: join(dir, "bf16"), family: "bert", dtype: "BF16", chars: [..."糖尿病"] });
    expect(made.config.torch_dtype).toBe("bfloat16");
    const ck = openCheckpoint(join(dir, "bf16"));
    const name = "encoder.layer.0.attention.self.query.weight";
    expect(ck.weights.file(name).dtype(name)).toBe("BF16");
    const expected = bf16ToF32(f32ToBf16(randomWeights(made.config, 0).float32(name)));
    expect([...ck.weights.float32(name)]).toEqual([...expected]);
    ck.weights.close();
  });

  it("takes its dimensions and vocabulary from the options", () => {
    const charsFile = join(dir, "chars.txt");
    writeFileSync(charsFile, "糖尿病 diabetes\n高血压\n糖");
    const chars = charsFromFile(charsFile);
    expect(chars.sort()).toEqual([..."压尿病糖血高"].sort());
    const made = makeTiny({
      out: join(dir, "dims"),
      family: "qwen3",
      layers: 3,
      hidden: 24,
      heads: 6,
      kvHeads: 2,
      intermediate: 40,
      chars,
    });
    expect(made.config).toMatchObject({
      num_hidden_layers: 3,
      hidden_size: 24,
      num_attention_heads: 6,
      num_key_value_heads: 2,
      head_dim: 4,
      intermediate_size: 40,
    });
    // 256 bytes + merges for 6 characters and the Chinese punctuation + eos: far below the full block.
    expect(made.config.vocab_size).toBeLessThan(600);
    expect(made.card).toMatchObject({ pooling: "last", padding_side: "left", dim: 24 });
    const tok = TextTokenizer.load(join(dir, "dims"));
    expect(tok.tokenizer.tokenize("糖尿病").length).toBe(3);
    expect(tok.tokenizer.tokenize("头").length).toBe(3); // not covered: three byte tokens
  });

  it("runs as `care models make-tiny`", async () => {
    const program = new Command("care").exitOverride();
    register(program);
    const out = join(dir, "cli");
    const write = process.stdout.write;
    let printed = "";
    process.stdout.write = ((s: string) => ((printed += s), true)) as typeof process.stdout.write;
    try {
      await program.parseAsync(
        [
          "models",
          "make-tiny",
          "--family",
          "gte",
          "--out",
          out,
          "--layers",
          "1",
          "--hidden",
          "16",
          "--heads",
          "2",
        ],
        { from: "user" },
      );
    } finally {
      process.stdout.write = write;
    }
    expect(printed).toContain(`wrote ${out}: new, 1 layers, hidden 16`);
    expect(openCheckpoint(out).config).toMatchObject({
      model_type: "new",
      num_hidden_layers: 1,
      hidden_size: 16,
    });
    await expect(
      program.parseAsync(["models", "make-tiny", "--family", "bert", "--out", out, "--layers", "x"], {
        from: "user",
      }),
    ).rejects.toThrow("option '--layers <n>' argument 'x' is invalid. expected a positive integer");
    await expect(program.parseAsync(["models", "make-tiny", "--out", out], { from: "user" })).rejects.toThrow(
      "give --family or --shape",
    );
  });

  it("rejects inconsistent options with clear errors", () => {
    expect(() => makeTiny({ out: join(dir, "x"), family: "bert", hidden: 30, heads: 4 })).toThrow(
      "--hidden 30 is not a multiple of --heads 4",
    );
    expect(() => makeTiny({ out: join(dir, "x"), family: "qwen3", heads: 4, kvHeads: 3 })).toThrow(
      "--heads 4 is not a multiple of --kv-heads 3",
    );
    expect(() => makeTiny({ out: join(dir, "x"), family: "llama" as never })).toThrow(
      /unknown family "llama"/,
    );
    expect(() => makeTiny({ out: join(dir, "x"), family: "bert", shape: "qwen3-4b" })).toThrow(
      "--shape qwen3-4b is a qwen3 shape, not bert",
    );
    expect(() => charsFromFile(join(dir, "none.txt"))).toThrow(join(dir, "none.txt"));
  });
});
