import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { CareError } from "../../src/core/errors.js";
import { cliValue, validate } from "../../src/util/validate.js";
import { cosine, oneOf, positiveInt, positiveNumber, score } from "../../src/cli/args.js";

const SCHEMA = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    rpm: Type.Number({ minimum: 1, default: 60 }),
    tags: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

describe("validate", () => {
  it("fills defaults without overwriting given values or the input", () => {
    const input = { name: "a" };
    expect(validate(SCHEMA, input, "f.json")).toEqual({ name: "a", rpm: 60 });
    expect(input).toEqual({ name: "a" });
    expect(validate(SCHEMA, { name: "a", rpm: 5 }, "f.json").rpm).toBe(5);
  });

  it.each([
    [{}, "f.json: cfg.name: is required"],
    [{ name: "" }, "f.json: cfg.name: must be a non-empty string"],
    [{ name: "a", rpm: 0 }, "f.json: cfg.rpm: must be at least 1"],
    [{ name: "a", rpm: "5" }, "f.json: cfg.rpm: must be a number"],
    [{ name: "a", tags: ["x", 3] }, "f.json: cfg.tags[1]: must be a string"],
    [{ name: "a", colour: 1 }, "f.json: cfg.colour: unknown field (known: name, rpm, tags)"],
  ])("%j is refused naming the file and the field", (raw, message) => {
    expect(() => validate(SCHEMA, raw, "f.json", "cfg")).toThrow(CareError);
    expect(() => validate(SCHEMA, raw, "f.json", "cfg")).toThrow(message);
  });

  it("uses a schema's errorMessage for its own value", () => {
    const s = Type.Object({
      mode: Type.Union([Type.Literal("a"), Type.Literal("b")], { errorMessage: "must be a or b" }),
    });
    expect(() => validate(s, { mode: "c" }, undefined)).toThrow(/^mode: must be a or b$/);
  });
});

describe("command-line values", () => {
  it("parses numbers through the same schemas", () => {
    expect(cliValue(Type.Integer({ minimum: 1 }), "12")).toBe(12);
    expect(positiveInt("3")).toBe(3);
    expect(positiveNumber("0.5")).toBe(0.5);
    expect(() => positiveInt("1.5")).toThrow("expected a positive integer");
    expect(() => positiveInt("")).toThrow("expected a positive integer");
    expect(() => positiveNumber("Infinity")).toThrow("expected a positive number");
    expect(() => positiveNumber("0")).toThrow("expected a positive number");
    expect(() => score("6")).toThrow("expected a score from 1 to 5");
  });
});

describe("word options", () => {
  it("accept only the listed words", () => {
    const action = oneOf("keep", "drop");
    expect(action("drop")).toBe("drop");
    expect(() => action("maybe")).toThrow("keep or drop");
    expect(() => oneOf("retrieval", "reranking", "sts")("x")).toThrow("retrieval, reranking or sts");
    expect(cosine("-0.5")).toBe(-0.5);
    expect(() => cosine("1.5")).toThrow("expected a cosine in [-1, 1]");
  });
});
