import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultCard, formatQuery, loadCard, outputDim, parseCard } from "../../src/models/card.js";

const dir = mkdtempSync(join(tmpdir(), "care-card-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const qwenConfig = { hidden_size: 64, max_position_embeddings: 32768 };
const bertConfig = { hidden_size: 32, max_position_embeddings: 512 };

describe("model card", () => {
  it("defaults by family", () => {
    expect(defaultCard("bert", bertConfig)).toEqual({
      pooling: "cls",
      max_length: 512,
      query_template: null,
      default_instruction: null,
      padding_side: "right",
      dim: 32,
      document_prompt: null,
      lowercase: false,
      include_prompt: true,
    });
    // RoBERTa-style tables start past padding_idx: 514 rows hold 512 tokens.
    const xlmr = {
      hidden_size: 32,
      max_position_embeddings: 514,
      model_type: "xlm-roberta",
      pad_token_id: 1,
    };
    expect(defaultCard("bert", xlmr).max_length).toBe(512);
    expect(defaultCard("qwen", qwenConfig)).toMatchObject({
      pooling: "last",
      padding_side: "left",
      max_length: 8192,
    });
    expect(loadCard(dir, "gte", bertConfig).pooling).toBe("cls");
  });

  it("applies the query template with the task's instruction, else the default", () => {
    const card = defaultCard("qwen", qwenConfig);
    expect(formatQuery(card, "头痛怎么办")).toBe(
      "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:头痛怎么办",
    );
    expect(formatQuery(card, "头痛", "检索医学问答")).toBe("Instruct: 检索医学问答\nQuery:头痛");
    // Replacement patterns and placeholders inside the query stay literal.
    expect(formatQuery(card, "$& {instruction}", "i")).toBe("Instruct: i\nQuery:$& {instruction}");
    expect(formatQuery({ ...card, default_instruction: null }, "头痛")).toBe("头痛");
    expect(formatQuery(defaultCard("bert", bertConfig), "头痛", "ignored")).toBe("头痛");
  });

  it("reads care.json over the defaults", () => {
    writeFileSync(
      join(dir, "care.json"),
      JSON.stringify({ pooling: "mean", max_length: 128, matryoshka_dims: [64, 16, 32], dim: 32 }),
    );
    const card = loadCard(dir, "qwen", qwenConfig);
    expect(card).toMatchObject({ pooling: "mean", max_length: 128, matryoshka_dims: [16, 32, 64], dim: 32 });
    expect(card.query_template).toContain("{text}");
  });

  it("names the file and field of every invalid value", () => {
    const file = join(dir, "bad.json");
    const d = defaultCard("bert", bertConfig);
    const cases: [unknown, RegExp][] = [
      [[], /not a JSON object/],
      [{ pooling: "lasttoken" }, /pooling: must be one of cls, mean, max, last, weightedmean, mean_sqrt_len/],
      [{ lowercase: "yes" }, /lowercase: must be true or false/],
      [{ max_length: 0 }, /max_length: must be a positive integer/],
      [{ query_template: 3 }, /query_template: must be a string or null/],
      [{ query_template: "Instruct: {instruction}" }, /query_template: must contain \{text\}/],
      [{ padding_side: "middle" }, /padding_side: must be left or right/],
      [{ dim: 33 }, /dim: must be a positive integer ≤ the embedding width 32/],
      [
        { matryoshka_dims: [8, 64] },
        /matryoshka_dims\[1\]: must be a positive integer ≤ the embedding width 32/,
      ],
      [{ matryoshka_dims: [] }, /matryoshka_dims: must be a non-empty list/],
      [{ poolling: "cls" }, /poolling: unknown field/],
    ];
    for (const [raw, message] of cases) {
      expect(() => parseCard(raw, d, file, 32)).toThrow(message);
      expect(() => parseCard(raw, d, file, 32)).toThrow(file);
    }
    writeFileSync(join(dir, "care.json"), "{");
    expect(() => loadCard(dir, "bert", bertConfig)).toThrow(`${join(dir, "care.json")}: corrupt model card`);
  });

  it("checks a requested output width against the hidden size and Matryoshka widths", () => {
    const card = { ...defaultCard("qwen", qwenConfig), matryoshka_dims: [16, 32] };
    expect(outputDim(card, 64)).toBe(64);
    expect(outputDim(card, 64, 16)).toBe(16);
    expect(() => outputDim(card, 64, 24)).toThrow(/not one of the model's Matryoshka widths 16, 32/);
    expect(() => outputDim(card, 64, 65)).toThrow(/≤ the embedding width 64/);
    expect(outputDim(defaultCard("bert", bertConfig), 32, 7)).toBe(7);
  });
});
