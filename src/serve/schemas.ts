import { Type, type Static, type TSchema } from "@sinclair/typebox";

/**
 * The HTTP API's request and response shapes, as TypeBox schemas: requests are checked against them by
 * the one validator (src/util/validate.ts), and /openapi.json is generated from them. Request bodies
 * refuse unknown fields.
 */

export interface RequestLimits {
  maxQueryChars: number;
  maxInputs: number;
  maxInputChars: number;
}

export function searchBody(limits: RequestLimits) {
  return Type.Object(
    {
      query: Type.String({ minLength: 1, maxLength: limits.maxQueryChars, description: "The question." }),
      top_k: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: "Hits to return." }),
      ),
      task: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 200,
          description: "A task the index was built for; its query instruction is used.",
        }),
      ),
      filter: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          maxProperties: 32,
          description:
            'Conditions on the documents\' fields, all of which must hold: a value (equality), {"in": [...]}, ' +
            'or a range {"gte"|"gt"|"lte"|"lt": number or ISO date}. Applied inside the store.',
        }),
      ),
    },
    { additionalProperties: false, title: "SearchRequest" },
  );
}
export type SearchBody = Static<ReturnType<typeof searchBody>>;

const FieldValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

const Hit = Type.Object({
  id: Type.String(),
  score: Type.Number(),
  title: Type.Union([Type.String(), Type.Null()]),
  text: Type.String(),
  fields: Type.Optional(Type.Record(Type.String(), FieldValue, { description: "The document's metadata." })),
});

const RETRIEVER = Type.Union([Type.Literal("dense"), Type.Literal("bm25"), Type.Literal("hybrid")], {
  description: "What answered: the vectors, the index's BM25 side, or both fused.",
});

export const SearchResponseSchema = Type.Object(
  {
    hits: Type.Array(Hit),
    retriever: RETRIEVER,
    took_ms: Type.Number(),
    timing: Type.Object({ encode_ms: Type.Number(), search_ms: Type.Number() }),
    terms: Type.Array(Type.String(), { description: "Query terms the page highlights." }),
  },
  { title: "SearchResponse" },
);

export function embeddingsBody(limits: RequestLimits) {
  const text = Type.String({ maxLength: limits.maxInputChars });
  return Type.Object(
    {
      input: Type.Union([text, Type.Array(text, { minItems: 1, maxItems: limits.maxInputs })], {
        errorMessage: `must be a string or a list of 1 to ${limits.maxInputs} strings, each at most ${limits.maxInputChars} characters`,
      }),
      model: Type.String({ description: '"query", "document", or the query model\'s name.' }),
      dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
      encoding_format: Type.Optional(
        Type.Union([Type.Literal("float"), Type.Literal("base64")], {
          default: "float",
          errorMessage: 'must be "float" or "base64"',
        }),
      ),
      user: Type.Optional(Type.String()),
    },
    { additionalProperties: false, title: "EmbeddingsRequest" },
  );
}
export type EmbeddingsBody = Static<ReturnType<typeof embeddingsBody>>;

export const EmbeddingsResponseSchema = Type.Object(
  {
    object: Type.Literal("list"),
    data: Type.Array(
      Type.Object({
        object: Type.Literal("embedding"),
        index: Type.Integer(),
        embedding: Type.Union([Type.Array(Type.Number()), Type.String()]),
      }),
    ),
    model: Type.String(),
    usage: Type.Object({ prompt_tokens: Type.Integer(), total_tokens: Type.Integer() }),
  },
  { title: "EmbeddingsResponse" },
);

export const HealthSchema = Type.Object(
  {
    status: Type.Literal("ok"),
    documents: Type.Integer(),
    store: Type.String({ description: "embedded or postgres" }),
    dim: Type.Integer(),
    mode: Type.String(),
    retriever: RETRIEVER,
    query_model: Type.String(),
    document_model: Type.String(),
    queue_depth: Type.Integer(),
  },
  { title: "HealthResponse" },
);

/** POST /admin/documents: documents to add or replace, each with its vector or encoded by the server. */
export function upsertBody(dim: number) {
  return Type.Object(
    {
      documents: Type.Array(
        Type.Object(
          {
            id: Type.String({ minLength: 1, maxLength: 512 }),
            text: Type.String(),
            title: Type.Optional(Type.String()),
            fields: Type.Optional(Type.Record(Type.String(), FieldValue, { maxProperties: 64 })),
            embedding: Type.Optional(Type.Array(Type.Number(), { minItems: dim, maxItems: dim })),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 1000 },
      ),
    },
    { additionalProperties: false, title: "UpsertRequest" },
  );
}
export type UpsertBody = Static<ReturnType<typeof upsertBody>>;

export const DeleteBody = Type.Object(
  { ids: Type.Array(Type.String(), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false, title: "DeleteRequest" },
);
export type DeleteBody = Static<typeof DeleteBody>;

export const UpsertResponseSchema = Type.Object({ upserted: Type.Integer() }, { title: "UpsertResponse" });
export const DeleteResponseSchema = Type.Object({ deleted: Type.Integer() }, { title: "DeleteResponse" });

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      message: Type.String(),
      type: Type.String(),
      code: Type.Optional(Type.String()),
      param: Type.Optional(Type.String({ description: "The request field at fault." })),
    }),
  },
  { title: "ErrorResponse" },
);

/** The responses a JSON route documents: its success shape and the error body. */
export function responses(ok: TSchema): Record<string, TSchema> {
  return { 200: ok, "4XX": ErrorSchema, "5XX": ErrorSchema };
}
