import { describe, expect, it } from "vitest";
import { CareError } from "../../src/core/errors.js";
import { importOptional } from "../../src/util/optional.js";

describe("optional dependencies", () => {
  it("a missing one is named with the feature that needs it and how to install it", async () => {
    const missing = "care-no-such-package";
    const load = importOptional(() => import(missing), missing, "GGUF models");
    await expect(load).rejects.toThrow(CareError);
    await expect(importOptional(() => import(missing), missing, "GGUF models")).rejects.toThrow(
      `GGUF models need the optional package ${missing}, which is not installed: npm install ${missing}`,
    );
  });

  it("node-llama-cpp's install hint carries the exact version the package declares", async () => {
    const load = importOptional(
      () =>
        Promise.reject(
          Object.assign(new Error("Cannot find package 'node-llama-cpp'"), { code: "ERR_MODULE_NOT_FOUND" }),
        ),
      "node-llama-cpp",
      "GGUF models",
    );
    await expect(load).rejects.toThrow(/npm install node-llama-cpp@3\.21\.1$/);
  });

  it("other failures pass through unchanged", async () => {
    const boom = new Error("native addon crashed");
    await expect(importOptional(() => Promise.reject(boom), "x", "y")).rejects.toBe(boom);
  });
});
