import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Native addons (onnxruntime, sqlite) are safer in forked processes than in worker threads.
    pool: "forks",
    // No test reaches the real Hugging Face Hub or reads the user's cache or token: a Hub id that
    // slips into a test fails offline; the hub tests set their own mock endpoint and cache.
    env: { HF_HUB_OFFLINE: "1", HF_HOME: join(tmpdir(), "care-test-hf"), HF_ENDPOINT: "http://127.0.0.1:9" },
  },
});
