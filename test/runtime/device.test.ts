import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { executionProviders } from "../../src/runtime/device.js";

const cudaLib = join(
  dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json")),
  "bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so",
);
const hasCuda = process.platform === "linux" && process.arch === "x64" && existsSync(cudaLib);
const saved = process.env.CARE_DEVICE;
afterEach(() => {
  if (saved === undefined) delete process.env.CARE_DEVICE;
  else process.env.CARE_DEVICE = saved;
});

describe("device choice", () => {
  it("runs on the CPU unless CARE_DEVICE says cuda, and refuses other values", () => {
    expect(executionProviders({})).toEqual(["cpu"]);
    expect(executionProviders({ CARE_DEVICE: "CPU" })).toEqual(["cpu"]);
    expect(() => executionProviders({ CARE_DEVICE: "tpu" })).toThrow(
      'CARE_DEVICE must be cpu or cuda, got "tpu"',
    );
  });

  it("asks for CUDA only where onnxruntime-node has its provider, else says how to get it", () => {
    if (hasCuda) expect(executionProviders({ CARE_DEVICE: "cuda" })).toEqual(["cuda", "cpu"]);
    else
      expect(() => executionProviders({ CARE_DEVICE: "cuda" })).toThrow(
        /CARE_DEVICE=cuda, but the installed onnxruntime-node has no CUDA execution provider .*libonnxruntime_providers_cuda\.so is missing.*"Turning on CUDA" in the README/,
      );
  });

  it("care --device cuda refuses before opening any model where there is no CUDA provider", async () => {
    const run = main(["node", "care", "--device", "cuda", "embed", "--model", "hf:/no/such/model"]);
    if (hasCuda) await expect(run).rejects.toThrow(/not a checkpoint folder/);
    else await expect(run).rejects.toThrow(/no CUDA execution provider/);
    expect(process.env.CARE_DEVICE).toBe("cuda");
    // Set in the environment instead, it is checked up front all the same.
    const fromEnv = main(["node", "care", "embed", "--model", "hf:/no/such/model"]);
    if (hasCuda) await expect(fromEnv).rejects.toThrow(/not a checkpoint folder/);
    else await expect(fromEnv).rejects.toThrow(/no CUDA execution provider/);
  });
});
