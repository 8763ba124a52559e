import { EmbeddedStore, type EmbeddedOptions } from "./embedded.js";
import { isPostgresUrl } from "./location.js";
import { PgStore } from "./pg-store.js";
import type { VectorStore } from "./store.js";

/** Search settings; `rescore` and `exactBelow` apply to the embedded backend only. */
export type OpenIndexOptions = EmbeddedOptions;

/** Opens an index for searching and updates: a folder written by `care index`, or a `postgres://` URL. */
export async function openIndex(location: string, options: OpenIndexOptions = {}): Promise<VectorStore> {
  if (isPostgresUrl(location))
    return PgStore.open(location, { mode: options.mode, expansionSearch: options.expansionSearch });
  return EmbeddedStore.open(location, options);
}
