import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HfEmbedder } from "../../src/embed/hf.js";
import { writeTinyRepo } from "../hub/tiny-repo.js";
import { care } from "../helpers/care.js";

const root = mkdtempSync(join(tmpdir(), "care-embed-"));
let model: string;
let expected: number[][];
const TEXTS = ["头痛发热怎么办", "高血压的治疗", "一二三", "糖尿病", "感冒咳嗽"];

const rows = (jsonl: string) =>
  jsonl
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { embedding: number[] }).embedding);

function file(name: string, text: string): string {
  writeFileSync(join(root, name), text);
  return join(root, name);
}

/** Reads a float32 .npy as NumPy would: magic, version 1.0, header dict, then the data. */
function readNpy(path: string): { shape: number[]; data: Float32Array } {
  const buf = readFileSync(path);
  expect(buf.subarray(0, 6).toString("latin1")).toBe("\x93NUMPY");
  expect([buf[6], buf[7]]).toEqual([1, 0]);
  const headerLen = buf.readUInt16LE(8);
  expect((10 + headerLen) % 64).toBe(0);
  const header = buf.subarray(10, 10 + headerLen).toString("latin1");
  expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(\d+, \d+\), \} *\n$/);
  const shape = /\((\d+), (\d+)\)/.exec(header)!.slice(1).map(Number);
  const body = buf.subarray(10 + headerLen);
  expect(body.length).toBe(shape[0] * shape[1] * 4);
  const data = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < data.length; i++) data[i] = body.readFloatLE(i * 4);
  return { shape, data };
}

beforeAll(async () => {
  process.env.CARE_QUIET = "1";
  model = writeTinyRepo(root).repo;
  const enc = await HfEmbedder.open(model);
  expected = (await enc.encodeTexts(TEXTS)).map((r) => Array.from(r));
  await enc.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("care embed", () => {
  it("embeds plain lines and JSONL alike, in input order, batched, blank lines skipped", async () => {
    const plain = file("in.txt", TEXTS.join("\n") + "\n\n");
    const jsonl = file("in.jsonl", TEXTS.map((text, i) => JSON.stringify({ id: i, text })).join("\n\n"));
    expect(
      rows(await care("embed", "--model", `hf:${model}`, "--input", plain, "--batch-size", "2")),
    ).toEqual(expected);
    expect(rows(await care("embed", "--model", `hf:${model}`, "--input", jsonl))).toEqual(expected);
  });

  it("reads stdin by default and writes JSON lines to stdout", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "embed", "--model", `hf:${model}`],
      {
        env: { ...process.env, CARE_QUIET: "0" },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.stdin.end(TEXTS.slice(0, 2).join("\n"));
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(0);
    expect(rows(out)).toEqual(expected.slice(0, 2));
    expect(err).toMatch(/embed · hf:.*: 2 .*texts\/s/);
  }, 60_000);

  it("writes a real float32 .npy of shape [n, dim], and JSONL files whole", async () => {
    const input = file("npy.txt", TEXTS.join("\n"));
    const npy = join(root, "out", "e.npy");
    await care("embed", "--model", `hf:${model}`, "--input", input, "--format", "npy", "--out", npy);
    const { shape, data } = readNpy(npy);
    expect(shape).toEqual([TEXTS.length, expected[0].length]);
    expect(Array.from(data)).toEqual(expected.flat());
    const out = join(root, "out", "e.jsonl");
    expect(await care("embed", "--model", `hf:${model}`, "--input", input, "--out", out)).toBe("");
    expect(rows(readFileSync(out, "utf8"))).toEqual(expected);
    expect(readdirSync(join(root, "out")).sort()).toEqual(["e.jsonl", "e.npy"]);
  });

  it("puts --prompt, or the model's named prompt, in front of each text", async () => {
    const input = file("p.txt", TEXTS.slice(0, 2).join("\n"));
    const prefixed = file(
      "pp.txt",
      TEXTS.slice(0, 2)
        .map((t) => `问：${t}`)
        .join("\n"),
    );
    const want = rows(await care("embed", "--model", `hf:${model}`, "--input", prefixed));
    expect(want).not.toEqual(expected.slice(0, 2));
    expect(rows(await care("embed", "--model", `hf:${model}`, "--input", input, "--prompt", "问："))).toEqual(
      want,
    );
    expect(
      rows(await care("embed", "--model", `hf:${model}`, "--input", input, "--prompt-name", "query")),
    ).toEqual(want);
    await expect(
      care("embed", "--model", `hf:${model}`, "--input", input, "--prompt-name", "nope"),
    ).rejects.toThrow(
      /config_sentence_transformers.json: field "prompts" has no prompt "nope"; known: query, document/,
    );
  });

  it("refuses bad input naming the file and line, and impossible flag sets", async () => {
    const bad = file("bad.jsonl", '{"text": "头痛"}\n{"title": "x"}\n');
    await expect(care("embed", "--model", `hf:${model}`, "--input", bad)).rejects.toThrow(
      `${bad}:2: expected an object with a string field "text"`,
    );
    await expect(care("embed", "--model", `hf:${model}`, "--format", "npy")).rejects.toThrow(
      /--format npy needs --out/,
    );
    await expect(
      care("embed", "--model", `hf:${model}`, "--prompt", "a", "--prompt-name", "b"),
    ).rejects.toThrow(/--prompt or --prompt-name, not both/);
    const out = join(root, "half.jsonl");
    await expect(care("embed", "--model", `hf:${model}`, "--input", bad, "--out", out)).rejects.toThrow(
      /bad.jsonl:2/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
