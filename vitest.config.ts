import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Native addons (onnxruntime, sqlite) are safer in forked processes than in worker threads.
    pool: "forks",
  },
});
