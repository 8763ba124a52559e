import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertToGguf } from "../../src/gguf/convert.js";
import { GGUF_CARD_KEY, GgmlType, PoolingType, TokenType } from "../../src/gguf/format.js";
import { readGgufHeader } from "../../src/gguf/reader.js";
import { dequantizeQ8_0 } from "../../src/gguf/q8_0.js";
import { tensorBytes } from "../../src/gguf/tensor-type.js";
import { f16ToF32 } from "../../src/weights/dtype.js";
import { MapTensorSource } from "../../src/weights/source.js";
import { writeSafetensors } from "../../src/weights/safetensors.js";
import { makeTinyQwen, type TinyQwen } from "./tiny-qwen.js";

let tmp: string;
let tiny: TinyQwen;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "care-gguf-"));
  tiny = makeTinyQwen(join(tmp, "tiny"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function readTensor(file: string, fileOffset: number, type: GgmlType, count: number): Float32Array {
  const buf = Buffer.alloc(tensorBytes(type, count));
  const fd = openSync(file, "r");
  readSync(fd, buf, 0, buf.length, fileOffset);
  if (type === GgmlType.F32) return new Float32Array(buf.buffer, buf.byteOffset, count).slice();
  if (type === GgmlType.F16) return f16ToF32(new Uint16Array(buf.buffer, buf.byteOffset, count));
  return dequantizeQ8_0(buf, count);
}

describe("convertToGguf", () => {
  it("writes metadata llama.cpp reads: architecture, last-token pooling, vocabulary", async () => {
    const out = join(tmp, "f32.gguf");
    const r = convertToGguf(tiny, out, "f32");
    expect(r).toMatchObject({ arch: "qwen3", tensors: 2 + 11 * 2 });
    const info = await readGgufFileInfo(out, { logWarnings: false });
    expect(info.version).toBe(3);
    const m = info.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(m.general).toMatchObject({ architecture: "qwen3", file_type: 0, name: "tiny" });
    expect(info.architectureMetadata).toMatchObject({
      context_length: 512,
      embedding_length: 64,
      block_count: 2,
      feed_forward_length: 128,
      pooling_type: PoolingType.LAST,
      attention: { head_count: 4, head_count_kv: 2, key_length: 32, value_length: 32 },
      rope: { freq_base: 1000000 },
    });
    expect(info.architectureMetadata.attention?.layer_norm_rms_epsilon).toBeCloseTo(1e-6, 12);

    const g = info.metadata.tokenizer.ggml;
    const vocabSize = tiny.config.vocab_size as number;
    expect(g).toMatchObject({ model: "gpt2", pre: "qwen2", add_bos_token: false, add_eos_token: true });
    expect(g.tokens.length).toBe(vocabSize);
    const eos = g.tokens.indexOf("<|endoftext|>");
    expect(g.eos_token_id).toBe(eos);
    expect(g.token_type[eos]).toBe(TokenType.CONTROL);
    expect(g.tokens[32]).toBe("Ġ"); // byte-level strings as the vocab stores them
    expect(g.token_type[32]).toBe(TokenType.NORMAL);
    expect(g.tokens.at(-1)).toBe(`[PAD${vocabSize - 1}]`); // config pads past the tokenizer
    expect(g.token_type.at(-1)).toBe(TokenType.UNUSED);
    expect(g.merges?.[0]).toMatch(/^\S+ \S+$/);

    // Our own header reader (which the embedder vets files with) agrees with node-llama-cpp's parser.
    const header = readGgufHeader(out);
    expect(header.tensors.map((t) => [t.name, t.offset])).toEqual(
      info.tensorInfo!.map((t) => [t.name, Number(t.fileOffset)]),
    );
    expect(header.metadata.get("tokenizer.ggml.tokens")).toEqual(g.tokens);
    const card = JSON.parse(String(header.metadata.get(GGUF_CARD_KEY)));
    // max_length: the config allows 512, tokenizer_config's model_max_length caps it, as the ONNX path does.
    expect(card).toMatchObject({ pooling: "last", max_length: 300, dim: 64 });
  });

  for (const [type, matrixType, tol] of [
    ["f32", GgmlType.F32, 0],
    ["f16", GgmlType.F16, 2 ** -11],
    ["q8_0", GgmlType.Q8_0, 0.5 / 127 + 2 ** -11],
  ] as const) {
    it(`stores every tensor under llama.cpp's name and shape, ${type}`, async () => {
      const out = join(tmp, `${type}.gguf`);
      convertToGguf(tiny, out, type);
      const info = await readGgufFileInfo(out, { logWarnings: false });
      const tensors = new Map(info.tensorInfo!.map((t) => [t.name, t]));
      const checks: [string, string][] = [
        ["token_embd.weight", "model.embed_tokens.weight"],
        ["output_norm.weight", "model.norm.weight"],
        ["blk.1.attn_q.weight", "model.layers.1.self_attn.q_proj.weight"],
        ["blk.1.attn_output.weight", "model.layers.1.self_attn.o_proj.weight"],
        ["blk.0.attn_k_norm.weight", "model.layers.0.self_attn.k_norm.weight"],
        ["blk.0.ffn_down.weight", "model.layers.0.mlp.down_proj.weight"],
        ["blk.0.ffn_norm.weight", "model.layers.0.post_attention_layernorm.weight"],
      ];
      for (const [name, hf] of checks) {
        const t = tensors.get(name)!;
        const shape = tiny.weights.shape(hf);
        expect(t.dimensions.map(Number)).toEqual([...shape].reverse());
        expect(Number(t.fileOffset) % 32).toBe(0);
        const want = tiny.weights.float32(hf);
        const type = shape.length === 1 ? GgmlType.F32 : matrixType;
        expect(t.ggmlType).toBe(type);
        const got = readTensor(out, Number(t.fileOffset), type, want.length);
        let worst = 0;
        for (let i = 0; i < want.length; i++) {
          // Q8_0's error is relative to its block's maximum, F16's to the value itself.
          const scale =
            type === GgmlType.Q8_0
              ? Math.max(...want.subarray(i - (i % 32), i - (i % 32) + 32).map(Math.abs))
              : Math.abs(want[i]);
          worst = Math.max(worst, Math.abs(got[i] - want[i]) - tol * scale);
        }
        expect(worst, name).toBeLessThanOrEqual(1e-7);
      }
      expect(tensors.size).toBe(24);
    });
  }

  it("names the tensor whose shape disagrees with the config", () => {
    const bad = new Map(tiny.weights.tensors);
    bad.set("model.layers.1.mlp.up_proj.weight", { shape: [100, 64], data: new Float32Array(6400) });
    expect(() =>
      convertToGguf({ ...tiny, weights: new MapTensorSource(bad) }, join(tmp, "x.gguf"), "f32"),
    ).toThrow(/model\.layers\.1\.mlp\.up_proj\.weight.*\[100, 64\].*\[128, 64\]/);
    expect(existsSync(join(tmp, "x.gguf"))).toBe(false);
  });

  it("refuses a missing tensor, an unknown tensor, and configs llama.cpp would compute differently", () => {
    const without = new Map(tiny.weights.tensors);
    without.delete("model.layers.0.self_attn.q_norm.weight");
    expect(() =>
      convertToGguf({ ...tiny, weights: new MapTensorSource(without) }, join(tmp, "x.gguf"), "f32"),
    ).toThrow(/lacks tensors.*blk\.0\.attn_q_norm\.weight/);
    const extra = new Map(tiny.weights.tensors);
    extra.set("model.layers.0.self_attn.rotary_emb.inv_freq", { shape: [16], data: new Float32Array(16) });
    expect(() =>
      convertToGguf({ ...tiny, weights: new MapTensorSource(extra) }, join(tmp, "x.gguf"), "f32"),
    ).toThrow(/rotary_emb\.inv_freq/);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ model_type: "llama" }, /model_type "llama".*qwen2, qwen3/],
      [{ attention_bias: true }, /attention_bias/],
      [{ rope_scaling: { type: "yarn", factor: 4 } }, /rope_scaling/],
      [{ hidden_act: "gelu" }, /hidden_act "gelu"/],
      [{ num_hidden_layers: 0 }, /num_hidden_layers must be a positive integer/],
      [{ is_causal: false }, /config\.json: bidirectional attention \(gte-Qwen2, is_causal false\)/],
      [{ auto_map: { AutoModel: "modeling_qwen.Qwen2Model" } }, /bidirectional attention/],
    ];
    for (const [patch, msg] of cases)
      expect(() =>
        convertToGguf({ ...tiny, config: { ...tiny.config, ...patch } }, join(tmp, "x.gguf"), "f32"),
      ).toThrow(msg);
    expect(readdirSync(tmp).filter((f) => f.startsWith("x.gguf"))).toEqual([]);
  });

  it("refuses a sentence-transformers Dense module, which llama.cpp would not apply", () => {
    const dir = join(tmp, "dense");
    makeTinyQwen(dir);
    writeFileSync(
      join(dir, "modules.json"),
      JSON.stringify([
        { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
        { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
        { idx: 2, name: "2", path: "2_Dense", type: "sentence_transformers.models.Dense" },
      ]),
    );
    mkdirSync(join(dir, "1_Pooling"));
    mkdirSync(join(dir, "2_Dense"));
    const hidden = tiny.config.hidden_size as number;
    writeFileSync(
      join(dir, "1_Pooling", "config.json"),
      JSON.stringify({ word_embedding_dimension: hidden, pooling_mode_lasttoken: true }),
    );
    writeFileSync(
      join(dir, "2_Dense", "config.json"),
      JSON.stringify({ in_features: hidden, out_features: 4, bias: false }),
    );
    writeSafetensors(join(dir, "2_Dense", "model.safetensors"), [
      { name: "linear.weight", shape: [4, hidden], dtype: "F32", data: new Float32Array(4 * hidden) },
    ]);
    expect(() => convertToGguf({ ...tiny, dir }, join(tmp, "x.gguf"), "f32")).toThrow(
      /dense\/modules\.json: a Dense module after pooling/,
    );
  });

  it("refuses a tokenizer llama.cpp would split differently, naming tokenizer.json", () => {
    const dir = join(tmp, "other-pre");
    makeTinyQwen(dir);
    const tok = JSON.parse(JSON.stringify({ model: { type: "BPE", vocab: { a: 0 }, merges: [] } }));
    tok.pre_tokenizer = { type: "Whitespace" };
    tok.added_tokens = [{ id: 1, content: "<|endoftext|>", special: true }];
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tok));
    expect(() => convertToGguf({ ...tiny, dir }, join(tmp, "x.gguf"), "f32")).toThrow(
      /other-pre\/tokenizer\.json: pre_tokenizer/,
    );
  });
});
