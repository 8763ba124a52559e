import type { Embedder, TaskHint } from "../core/embedder.js";
import type { Filter } from "./filter.js";
import type { SearchHit, VectorStore } from "./store.js";

export interface SearchOptions {
  /** Hits to return. Default 10. */
  topK?: number;
  /**
   * The task whose instruction the query encoder prepends. Default: the task the index was built for
   * (its manifest), as `care serve` does.
   */
  task?: TaskHint;
  /** Conditions on the documents' fields (`parseFilter`), applied inside the store. */
  filter?: Filter;
}

/**
 * One query against an opened index: encoded by the embedder's query side (its instruction included),
 * then looked up. The embedder must pair with the index's document encoder (`care serve` checks this
 * against the manifest; a library caller chooses the pair).
 */
export async function search(
  index: VectorStore,
  embedder: Embedder,
  query: string,
  options: SearchOptions = {},
): Promise<SearchHit[]> {
  const [vector] = await embedder.encodeQueries([query], options.task ?? indexTask(index));
  return await index.search(vector, options.topK ?? 10, options.filter);
}

/** The task hint of the task an index was built for, if it names one. */
export function indexTask(index: VectorStore): TaskHint | undefined {
  const def = index.manifest.task;
  return def ? { name: def.name, type: "retrieval", queryInstruction: def.queryInstruction } : undefined;
}
