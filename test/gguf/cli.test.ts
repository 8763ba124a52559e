import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { readGgufHeader } from "../../src/gguf/reader.js";
import { makeTiny } from "../../src/models/make-tiny.js";

let tmp: string;
let dir: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "care-gguf-cli-"));
  dir = join(tmp, "qwen2");
  makeTiny({ out: dir, family: "qwen2", hidden: 64, heads: 4, chars: [..."发热咳嗽"] });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("care gguf convert", () => {
  it("converts a qwen2 checkpoint folder, biases included", async () => {
    const out = join(tmp, "q.gguf");
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((s) => printed.push(String(s)) > 0);
    try {
      await main(["node", "care", "gguf", "convert", "--in", dir, "--out", out, "--type", "q8_0"]);
    } finally {
      write.mockRestore();
    }
    expect(printed.join("")).toMatch(/^wrote .*q\.gguf: qwen2, q8_0, \d+ tensors/);
    const h = readGgufHeader(out);
    expect(h.metadata.get("general.architecture")).toBe("qwen2");
    expect(h.metadata.get("general.file_type")).toBe(7);
    expect(h.tensors.map((t) => t.name)).toContain("blk.1.attn_v.bias");
    expect(h.metadata.has("qwen2.attention.key_length")).toBe(false);
  });

  it("rejects an unknown --type and a folder that is not a checkpoint, naming them", async () => {
    await expect(
      main(["node", "care", "gguf", "convert", "--in", dir, "--out", join(tmp, "x.gguf"), "--type", "q4_0"]),
    ).rejects.toThrow(/--type must be one of f32, f16, q8_0, got "q4_0"/);
    await expect(
      main(["node", "care", "gguf", "convert", "--in", join(tmp, "nope"), "--out", join(tmp, "x.gguf")]),
    ).rejects.toThrow(/nope/);
    expect(existsSync(join(tmp, "x.gguf"))).toBe(false);
  });
});
