/** `care-retrieval/serve`: the search service (Fastify) and the shapes of its HTTP API. */
export { createServer, type CareServer, type ServerOptions } from "../serve/server.js";
export { RETRIEVERS, type RetrieverKind } from "../serve/retriever.js";
export {
  searchBody,
  embeddingsBody,
  SearchResponseSchema,
  EmbeddingsResponseSchema,
  HealthSchema,
  ErrorSchema,
  type SearchBody,
  type EmbeddingsBody,
  type RequestLimits,
} from "../serve/schemas.js";
export { ServerMetrics } from "../serve/metrics.js";
export { openIndex, type OpenIndexOptions } from "../store/open.js";
export {
  StoreUnavailable,
  type SearchHit,
  type SearchMode,
  type StoreDoc,
  type VectorStore,
} from "../store/store.js";
export { parseFilter, type Fields, type FieldValue, type Filter } from "../store/filter.js";
