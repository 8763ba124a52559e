/**
 * After stage II the document encoder is a new model: an index built with the old one must be rebuilt.
 * `care train stage2` (run through the CLI, document side trained fully) writes new folders whose
 * identities differ from the inputs', and both `care index --append` and `care serve` refuse the new
 * pair on the old index.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { openCareEmbedder } from "../../src/embed/load.js";
import { buildIndex } from "../../src/store/build.js";
import { createServer } from "../../src/serve/server.js";
import { tinyPair } from "./tiny.js";
import { toJsonl, toySet } from "./toy.js";

const root = mkdtempSync(join(tmpdir(), "care-rebuild-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function corpus(file: string, texts: string[], prefix: string): string {
  writeFileSync(
    file,
    texts.map((text, i) => JSON.stringify({ _id: `${prefix}${i}`, text })).join("\n") + "\n",
  );
  return file;
}

describe("index after stage II", () => {
  it("refuses the retrained document encoder on an index built by the old one", async () => {
    const { query, doc } = tinyPair(root);
    const toy = toySet(9);
    const data = join(root, "s2.jsonl");
    writeFileSync(data, toJsonl(toy.rows(40)));
    const out = join(root, "s2");
    await main([
      "node",
      "care",
      "train",
      "stage2",
      "--query",
      query,
      "--doc",
      doc,
      "--data",
      data,
      "--out",
      out,
      "--steps",
      "2",
      "--batch-size",
      "4",
      "--group-size",
      "2",
      "--doc-full",
    ]);

    const index = join(root, "index");
    const old = await openCareEmbedder(query, doc);
    await buildIndex({
      corpus: corpus(join(root, "a.jsonl"), toy.docs(), "a"),
      out: index,
      encoders: [old],
      progress: false,
    });
    await old.close();

    const retrained = await openCareEmbedder(join(out, "query"), join(out, "doc"));
    await expect(
      buildIndex({
        corpus: corpus(join(root, "b.jsonl"), toy.docs(), "b"),
        out: index,
        encoders: [retrained],
        append: true,
        progress: false,
      }),
    ).rejects.toThrow(/document encoder mismatch/);
    // The server owns an in-process encoder it is given, and closes it when it refuses to start.
    await expect(createServer({ index, query: retrained })).rejects.toThrow(/query encoder mismatch/);
  });
});
