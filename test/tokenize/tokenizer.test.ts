import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { afterAll, describe, expect, it } from "vitest";
import { byteLevelBpeTokenizer, QWEN_EOS, wordPieceTokenizer } from "../../src/tokenize/build.js";
import { padBatch, TextTokenizer } from "../../src/tokenize/tokenizer.js";

const dir = mkdtempSync(join(tmpdir(), "care-tok-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHARS = [..."糖尿病患者高血压应该吃什么药头痛发热咳嗽"];
const bert = new TextTokenizer(new Tokenizer(wordPieceTokenizer(CHARS), {}));
const qwen = new TextTokenizer(new Tokenizer(byteLevelBpeTokenizer(CHARS), { eos_token: QWEN_EOS }), {
  eos_token: QWEN_EOS,
  pad_token: QWEN_EOS,
});
const id = (t: TextTokenizer, token: string) => t.tokenizer.token_to_id(token)!;

describe("TextTokenizer", () => {
  it("matches the library's own encoding when nothing is cut", () => {
    for (const text of ["糖尿病患者应该吃什么药？", "Hello, 头痛 2 天", "发热"]) {
      expect(bert.encode(text, 512)).toEqual(bert.tokenizer.encode(text).ids);
      expect(qwen.encode(text, 512)).toEqual(qwen.tokenizer.encode(text).ids);
    }
  });

  it("tokenizes each covered Chinese character as one token", () => {
    expect(bert.tokenizer.tokenize("糖尿病")).toEqual(["糖", "尿", "病"]);
    expect(qwen.tokenizer.tokenize("糖尿病").length).toBe(3);
    expect(qwen.decode(qwen.encode("糖尿病 fever", 64))).toBe("糖尿病 fever");
  });

  it("truncates BERT input but keeps [CLS] and [SEP]", () => {
    const ids = bert.encode("糖尿病患者应该吃什么药", 6);
    expect(ids).toEqual([
      id(bert, "[CLS]"),
      ...["糖", "尿", "病", "患"].map((t) => id(bert, t)),
      id(bert, "[SEP]"),
    ]);
  });

  it("appends the end-of-text token after truncation, exactly once", () => {
    const eos = id(qwen, QWEN_EOS);
    const ids = qwen.encode("糖尿病患者应该吃什么药", 4, true);
    expect(ids).toEqual([...["糖", "尿", "病"].map((c) => qwen.tokenizer.encode(c).ids[0]), eos]);
    // A text that already ends with eos (as typed by a user) still gets only one at the end.
    expect(qwen.encode(`头痛${QWEN_EOS}`, 16, true).filter((x) => x === eos).length).toBe(1);
  });

  it("does not double eos when the tokenizer's post-processor already adds it", () => {
    const json = byteLevelBpeTokenizer(CHARS) as Record<string, unknown>;
    const eos = QWEN_EOS;
    json.post_processor = {
      type: "TemplateProcessing",
      single: [{ Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: eos, type_id: 0 } }],
      pair: [],
      special_tokens: { [eos]: { id: eos, ids: [0], tokens: [eos] } },
    };
    const t = new TextTokenizer(new Tokenizer(json, {}), { eos_token: eos });
    const ids = t.encode("糖尿病患者", 4, true);
    expect(ids.length).toBe(4);
    expect(ids.filter((x) => x === t.eosId).length).toBe(1);
    expect(ids[3]).toBe(t.eosId);
  });

  it("ends Qwen sequences with <|endoftext|> even where eos_token names <|im_end|>", () => {
    // Qwen3-Embedding's tokenizer_config says eos_token "<|im_end|>", but its reference code appends
    // <|endoftext|>, whose hidden state the model was trained to pool.
    const json = byteLevelBpeTokenizer(CHARS) as { added_tokens: Record<string, unknown>[] };
    json.added_tokens.push({ ...json.added_tokens[0], id: 100_000, content: "<|im_end|>" });
    const t = new TextTokenizer(new Tokenizer(json, {}), { eos_token: "<|im_end|>" });
    const ids = t.encode("糖尿病", 16, true);
    expect(t.tokenizer.token_to_id("<|im_end|>")).toBeDefined();
    expect(ids[ids.length - 1]).toBe(t.tokenizer.token_to_id(QWEN_EOS));
  });

  it("pads right or left with masks as BigInt64Array", () => {
    const b = bert.encodeBatch(["糖尿病", "头"], { maxLength: 16 });
    expect(b.seqLen).toBe(5);
    expect(b.lengths).toEqual([5, 3]);
    expect([...b.mask]).toEqual([1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n]);
    expect(b.ids[8]).toBe(BigInt(bert.padId));
    expect(bert.padId).toBe(id(bert, "[PAD]"));

    const q = qwen.encodeBatch(["糖尿病", "头"], { maxLength: 16, paddingSide: "left", appendEos: true });
    expect(q.seqLen).toBe(4);
    expect([...q.mask]).toEqual([1n, 1n, 1n, 1n, 0n, 0n, 1n, 1n]);
    expect(q.ids[7]).toBe(BigInt(id(qwen, QWEN_EOS)));
    expect(q.ids[0 + 4]).toBe(BigInt(qwen.padId));
  });

  it("pads an empty batch row set to width 1", () => {
    const b = padBatch([], 0, "right");
    expect(b).toMatchObject({ batch: 0, seqLen: 1, lengths: [] });
  });

  it("refuses a max length with no room for text", () => {
    expect(() => bert.encode("糖", 2)).toThrow(/max length 2 leaves no room/);
    expect(() => bert.encode("糖", 4, true)).toThrow(/no end-of-text token/);
  });

  it("loads tokenizer.json with tokenizer_config.json and names bad files", () => {
    const d = join(dir, "tok");
    mkdirSync(d);
    expect(() => TextTokenizer.load(d)).toThrow(`${join(d, "tokenizer.json")}: missing tokenizer.json`);
    writeFileSync(join(d, "tokenizer.json"), "{oops");
    expect(() => TextTokenizer.load(d)).toThrow(`${join(d, "tokenizer.json")}: corrupt tokenizer.json`);
    writeFileSync(join(d, "tokenizer.json"), JSON.stringify(byteLevelBpeTokenizer(CHARS)));
    writeFileSync(
      join(d, "tokenizer_config.json"),
      JSON.stringify({
        eos_token: { content: QWEN_EOS },
        pad_token: QWEN_EOS,
        padding_side: "left",
        model_max_length: 99,
      }),
    );
    const t = TextTokenizer.load(d);
    expect(t.eosId).toBe(t.tokenizer.token_to_id(QWEN_EOS));
    expect(t.paddingSide).toBe("left");
    expect(t.modelMaxLength).toBe(99);
  });
});
