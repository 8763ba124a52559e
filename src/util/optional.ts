import { CareError } from "../core/errors.js";
import { optionalRange } from "./version.js";

/**
 * Imports an optional dependency; when it is not installed, says which feature needs it and how to
 * install it, instead of Node's bare ERR_MODULE_NOT_FOUND. Other failures pass through.
 */
export async function importOptional<T>(load: () => Promise<T>, name: string, neededFor: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === "ERR_MODULE_NOT_FOUND" && err.message?.includes(`'${name}'`)) {
      const range = optionalRange(name);
      throw new CareError(
        `${neededFor} need the optional package ${name}, which is not installed: npm install ${name}${range ? `@${range}` : ""}`,
      );
    }
    throw e;
  }
}

/** node-llama-cpp, which runs GGUF models (embedders and judges). */
export function llamaCpp(): Promise<typeof import("node-llama-cpp")> {
  return importOptional(
    () => import("node-llama-cpp"),
    "node-llama-cpp",
    "GGUF models (gguf: specs and judges)",
  );
}
