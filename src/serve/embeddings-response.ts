import { normalize } from "../util/vector.js";

/**
 * Matryoshka truncation: the first `dimensions` components, renormalised to unit length (models
 * trained with MRL keep their ranking quality at the cut; the renormalisation keeps cosine = dot).
 */
export function truncate(v: Float32Array, dimensions: number | undefined): Float32Array {
  if (dimensions === undefined || dimensions >= v.length) return v;
  return normalize(v.slice(0, dimensions));
}

/** OpenAI's base64 encoding: the float32 little-endian bytes of the vector. */
export function toBase64(v: Float32Array): string {
  const le = Buffer.alloc(v.byteLength);
  v.forEach((x, i) => le.writeFloatLE(x, i * 4));
  return le.toString("base64");
}

export interface EmbeddingsResponse {
  object: "list";
  data: { object: "embedding"; embedding: number[] | string; index: number }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/**
 * The body OpenAI's /v1/embeddings returns. Usage counts Unicode characters: the encoder's tokenizer
 * sits in its worker, and for Chinese text characters are close to BERT's token count anyway.
 */
export function embeddingsResponse(
  model: string,
  texts: string[],
  vectors: Float32Array[],
  format: "float" | "base64",
  dimensions?: number,
): EmbeddingsResponse {
  const tokens = texts.reduce((n, t) => n + [...t].length, 0);
  return {
    object: "list",
    data: vectors.map((v, index) => {
      const cut = truncate(v, dimensions);
      return { object: "embedding", embedding: format === "base64" ? toBase64(cut) : Array.from(cut), index };
    }),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
