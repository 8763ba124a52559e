import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { care } from "../helpers/care.js";
import { GgufEmbedder } from "../../src/embed/gguf.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";
import { qwenForward } from "../reference/qwen.js";
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
    const printed = await care("gguf", "convert", "--in", dir, "--out", out, "--type", "q8_0");
    expect(printed).toMatch(/^wrote .*q\.gguf: qwen2, q8_0, \d+ tensors/);
    const h = readGgufHeader(out);
    expect(h.metadata.get("general.architecture")).toBe("qwen2");
    expect(h.metadata.get("general.file_type")).toBe(7);
    expect(h.tensors.map((t) => t.name)).toContain("blk.1.attn_v.bias");
    expect(h.metadata.has("qwen2.attention.key_length")).toBe(false);
  });

  it("gives qwen2 embeddings equal to the reference forward pass (q/k/v biases in place)", async () => {
    const out = join(tmp, "f32.gguf");
    await main(["node", "care", "gguf", "convert", "--in", dir, "--out", out, "--type", "f32"]);
    const e = await GgufEmbedder.open(out, { kvCacheType: "F32", flashAttention: false, gpu: false });
    const ck = openCheckpoint(dir);
    try {
      for (const text of ["发热咳嗽", "fever 3 days"]) {
        const ids = e.tokenize(text);
        const h = qwenForward(ck.config, ck.weights, [ids], [ids.map(() => 1)])[0];
        const last = h[h.length - 1];
        const [v] = await e.encodeCorpus([{ id: "d", text }]);
        const cos = v.reduce((s, x, i) => s + x * last[i], 0) / Math.hypot(...last);
        expect(cos).toBeGreaterThanOrEqual(0.9999);
      }
    } finally {
      ck.weights.close();
      await e.close();
    }
  });

  it("rejects an unknown --type and a folder that is not a checkpoint, naming them", async () => {
    await expect(
      main(["node", "care", "gguf", "convert", "--in", dir, "--out", join(tmp, "x.gguf"), "--type", "q4_0"]),
    ).rejects.toThrow(/--type <type>' argument 'q4_0' is invalid\. expected f32, f16 or q8_0/);
    await expect(
      main(["node", "care", "gguf", "convert", "--in", join(tmp, "nope"), "--out", join(tmp, "x.gguf")]),
    ).rejects.toThrow(/nope/);
    expect(existsSync(join(tmp, "x.gguf"))).toBe(false);
  });
});
