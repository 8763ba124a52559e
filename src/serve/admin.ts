import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { docText } from "../core/doc.js";
import { fieldsOf } from "../store/filter.js";
import type { StoreDoc, VectorStore } from "../store/store.js";
import {
  DeleteBody,
  DeleteResponseSchema,
  responses,
  upsertBody,
  UpsertResponseSchema,
  type UpsertBody,
} from "./schemas.js";

export interface AdminOptions {
  store: VectorStore;
  /** The bearer token; without one every admin route answers 403. Never logged or echoed. */
  token?: string;
  /** Encodes document texts with the index's document encoder; absent when this server lacks it. */
  encodeDocuments?: (texts: string[]) => Promise<Float32Array[]>;
  /** Called after a change so the server's document count follows. */
  changed: () => Promise<unknown>;
  error: (status: number, message: string) => Error;
}

/**
 * `POST /admin/documents` (upsert) and `DELETE /admin/documents` (by id): updates visible to the next
 * search of every server on the same store, without a rebuild. Guarded by `Authorization: Bearer`.
 */
export function adminRoutes(app: FastifyInstance, o: AdminOptions): void {
  const expected = o.token ? digest(o.token) : undefined;
  const authorize = async (req: FastifyRequest) => {
    if (!expected)
      throw o.error(403, "admin routes are disabled: start care serve with CARE_ADMIN_TOKEN set");
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    // Compared as digests in constant time, so neither length nor content leaks through timing.
    if (!m || !timingSafeEqual(digest(m[1]), expected))
      throw o.error(401, "missing or wrong bearer token for the admin routes");
  };
  const dim = o.store.manifest.dim;

  app.post<{ Body: UpsertBody }>(
    "/admin/documents",
    {
      onRequest: authorize,
      schema: {
        summary: "Add or replace documents (bearer token)",
        body: upsertBody(dim),
        response: responses(UpsertResponseSchema),
      },
    },
    async (req) => {
      const docs: StoreDoc[] = req.body.documents.map((d, i) => {
        const fields = d.fields && fieldsOf(d.fields);
        if (d.fields && Object.keys(fields ?? {}).length !== Object.keys(d.fields).length)
          throw o.error(
            400,
            `documents[${i}].fields: names are letters, digits, "_", "." or "-", not id, title or text`,
          );
        return {
          id: d.id,
          text: d.text,
          ...(d.title ? { title: d.title } : {}),
          ...(fields ? { fields } : {}),
        };
      });
      const missing = req.body.documents.flatMap((d, i) => (d.embedding ? [] : [i]));
      const vectors: (Float32Array | undefined)[] = req.body.documents.map((d) =>
        d.embedding ? Float32Array.from(d.embedding) : undefined,
      );
      if (missing.length) {
        if (!o.encodeDocuments)
          throw o.error(
            400,
            "this server's encoder is not the index's document encoder: send an embedding with each document",
          );
        const encoded = await o.encodeDocuments(missing.map((i) => docText(docs[i])));
        missing.forEach((i, j) => (vectors[i] = encoded[j]));
      }
      await o.store.upsert(docs, vectors as Float32Array[]);
      await o.changed();
      return { upserted: docs.length };
    },
  );

  app.delete<{ Body: DeleteBody }>(
    "/admin/documents",
    {
      onRequest: authorize,
      schema: {
        summary: "Delete documents by id (bearer token)",
        body: DeleteBody,
        response: responses(DeleteResponseSchema),
      },
    },
    async (req) => {
      const deleted = await o.store.delete(req.body.ids);
      await o.changed();
      return { deleted };
    },
  );
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}
