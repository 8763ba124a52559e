import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIndex } from "../../src/store/build.js";
import { createServer } from "../../src/serve/server.js";
import type { FixtureHashEmbedder } from "../store/fixture-embedders.js";

export interface FixtureServer {
  /** The index folder, for a second server over the same documents. */
  index: string;
  url: string;
  /** Stops the server and removes the folder. */
  close(): Promise<void>;
}

/** Indexes BEIR corpus rows with `encoder` in a temporary folder and serves them on 127.0.0.1. */
export async function serveFixture(docs: object[], encoder: FixtureHashEmbedder): Promise<FixtureServer> {
  const root = mkdtempSync(join(tmpdir(), "care-serve-"));
  const index = join(root, "idx");
  writeFileSync(join(root, "c.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n"));
  await buildIndex({ corpus: join(root, "c.jsonl"), out: index, encoders: [encoder], progress: false });
  const server = await createServer({ index, query: encoder });
  const url = await server.listen(0);
  return {
    index,
    url,
    close: async () => {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
