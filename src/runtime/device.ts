import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CareError } from "../core/errors.js";

export type Device = "cpu" | "cuda";
export const DEVICES: Device[] = ["cpu", "cuda"];

/** The CUDA provider library onnxruntime-node loads beside its binding; npm installs it only on request. */
const CUDA_LIBRARY: Partial<Record<string, string>> = {
  "linux/x64": "libonnxruntime_providers_cuda.so",
  "win32/x64": "onnxruntime_providers_cuda.dll",
};

/**
 * Where every ONNX Runtime session runs: `CARE_DEVICE` (cpu, the default, or cuda), read here only, so
 * the CLI's `--device`, worker threads and child processes all see the same choice. CUDA runs the
 * nodes its provider has kernels for and leaves the rest on the CPU.
 */
export function executionProviders(env: NodeJS.ProcessEnv = process.env): string[] {
  const device = (env.CARE_DEVICE || "cpu").toLowerCase();
  if (device === "cpu") return ["cpu"];
  if (device !== "cuda")
    throw new CareError(`CARE_DEVICE must be ${DEVICES.join(" or ")}, got "${env.CARE_DEVICE}"`);
  const platform = `${process.platform}/${process.arch}`;
  const lib = CUDA_LIBRARY[platform];
  if (!lib)
    throw new CareError(`CARE_DEVICE=cuda: onnxruntime-node has no CUDA execution provider for ${platform}`);
  const binDir = join(
    dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json")),
    "bin",
    "napi-v6",
    platform,
  );
  if (!existsSync(join(binDir, lib))) {
    throw new CareError(
      `CARE_DEVICE=cuda, but the installed onnxruntime-node has no CUDA execution provider ` +
        `(${join(binDir, lib)} is missing: its install step was skipped); see "Turning on CUDA" in the README`,
    );
  }
  return ["cuda", "cpu"];
}
