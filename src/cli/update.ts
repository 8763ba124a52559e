import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { positiveInt } from "./args.js";
import { CareError } from "../core/errors.js";
import { SPEC_GRAMMAR } from "../core/spec.js";
import { loadEmbedder } from "../embed/load.js";
import { readCorpus, resolveCorpus } from "../store/corpus.js";
import { checkDocumentEncoder } from "../store/manifest.js";
import { openIndex } from "../store/open.js";
import type { StoreDoc } from "../store/store.js";
import { readLines } from "../util/jsonl.js";
import { BM25_FILE, buildBm25Side } from "../lexical/bm25-side.js";
import { isPostgresUrl } from "../store/location.js";
import { printResult } from "./output.js";

/**
 * `care upsert` and `care delete`: change a built index in place (folder or database). Servers on the
 * same store see the change at their next search.
 */
export function register(program: Command): void {
  program
    .command("upsert")
    .description("add or replace documents of a built index (by id), encoded with its document encoder")
    .requiredOption("--store <dir|url>", "the index: a folder or postgres://user@host:port/db")
    .requiredOption("--doc <spec>", `the index's document encoder: ${SPEC_GRAMMAR}`)
    .requiredOption("--corpus <file>", "documents as corpus JSONL ({_id,text,title?,...fields} a line)")
    .option("--batch-size <n>", "documents per encoder call and per transaction", positiveInt, 64)
    .option("--threads <n>", "threads for an in-process encoder", positiveInt)
    .action(
      async (opts: { store: string; doc: string; corpus: string; batchSize: number; threads?: number }) => {
        const store = await openIndex(opts.store);
        try {
          const encoder = await loadEmbedder(opts.doc, { threads: opts.threads });
          try {
            checkDocumentEncoder(store.manifest, encoder, opts.store);
            const input = resolveCorpus(opts.corpus);
            let n = 0;
            let batch: StoreDoc[] = [];
            const flush = async () => {
              if (!batch.length) return;
              await store.upsert(batch, await encoder.encodeCorpus(batch, input.task));
              n += batch.length;
              batch = [];
            };
            for await (const { doc } of readCorpus(input.file)) {
              batch.push(doc);
              if (batch.length >= opts.batchSize) await flush();
            }
            await flush();
            syncBm25(opts.store);
            const total = await store.count();
            printResult(
              { store: store.location, upserted: n, total },
              `upserted ${n} documents; ${store.location} holds ${total}`,
            );
          } finally {
            await encoder.close?.();
          }
        } finally {
          await store.close();
        }
      },
    );

  program
    .command("delete")
    .description("delete documents of a built index by id")
    .requiredOption("--store <dir|url>", "the index: a folder or postgres://user@host:port/db")
    .option(
      "--id <id>",
      "a document id (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("--ids <file>", "a file of document ids, one a line")
    .action(async (opts: { store: string; id: string[]; ids?: string }) => {
      const ids = [...opts.id];
      if (opts.ids) for await (const { text } of readLines(opts.ids)) if (text.trim()) ids.push(text.trim());
      if (!ids.length) throw new CareError("no ids given: use --id <id> or --ids <file>");
      const store = await openIndex(opts.store);
      try {
        const deleted = await store.delete(ids);
        syncBm25(opts.store);
        const total = await store.count();
        printResult(
          { store: store.location, deleted, asked: ids.length, total },
          `deleted ${deleted} of ${ids.length} ids; ${store.location} holds ${total}`,
        );
      } finally {
        await store.close();
      }
    });
}

/** Brings an index folder's BM25 side up to date with the change (PostgreSQL indexes have none). */
function syncBm25(location: string): void {
  if (!isPostgresUrl(location) && existsSync(join(location, BM25_FILE)))
    buildBm25Side(location, { progress: false });
}
