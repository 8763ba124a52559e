import { readFileSync, writeFileSync } from "node:fs";
import createClient from "openapi-fetch";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixtureHashEmbedder } from "../store/fixture-embedders.js";
import { serveFixture, type FixtureServer } from "./fixture-server.js";
import type { paths } from "./openapi.generated.js";

/**
 * /openapi.json is generated from the route schemas; the typed client in ./openapi.generated.ts is generated
 * from it by openapi-typescript and drives the server through openapi-fetch. Regenerate it after a
 * schema change with `UPDATE_OPENAPI=1 npx vitest run test/serve/openapi.test.ts`.
 */
const GENERATED = new URL("./openapi.generated.ts", import.meta.url);
let fixture: FixtureServer | undefined;
let url: string;

beforeAll(async () => {
  fixture = await serveFixture(
    [
      { _id: "d1", title: "糖尿病", text: "糖尿病患者应控制血糖" },
      { _id: "d2", text: "感冒发烧多喝水" },
    ],
    new FixtureHashEmbedder(32),
  );
  url = fixture.url;
});
afterAll(() => fixture?.close());

describe("GET /openapi.json", () => {
  it("documents the JSON routes with their request and response schemas", async () => {
    const doc = (await (await fetch(url + "/openapi.json")).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    expect(doc.openapi).toBe("3.0.3");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/admin/documents",
      "/healthz",
      "/search",
      "/v1/embeddings",
    ]);
    const search = doc.paths["/search"].post.requestBody!.content["application/json"].schema;
    expect(search).toMatchObject({
      type: "object",
      additionalProperties: false,
      required: ["query"],
      properties: { top_k: { type: "integer", maximum: 1000 } },
    });
  });

  it("is what the committed client types were generated from", async () => {
    const doc = (await (await fetch(url + "/openapi.json")).json()) as Parameters<typeof openapiTS>[0];
    const generated = astToString(await openapiTS(doc));
    if (process.env.UPDATE_OPENAPI) writeFileSync(GENERATED, generated);
    expect(readFileSync(GENERATED, "utf8")).toBe(generated);
  });
});

describe("a client generated from the OpenAPI document", () => {
  it("searches, embeds, and reads errors in the documented shapes", async () => {
    const client = createClient<paths>({ baseUrl: url });
    const search = await client.POST("/search", { body: { query: "糖尿病患者", top_k: 1 } });
    expect(search.response.status).toBe(200);
    expect(search.data?.hits.map((h) => h.id)).toEqual(["d1"]);
    expect(search.data?.hits[0].title).toBe("糖尿病");

    const embed = await client.POST("/v1/embeddings", { body: { input: ["感冒"], model: "query" } });
    expect(embed.data?.data[0].embedding).toHaveLength(32);

    const health = await client.GET("/healthz");
    expect(health.data?.documents).toBe(2);

    const bad = await client.POST("/search", { body: { query: "感冒", top_k: 0 } });
    expect(bad.response.status).toBe(400);
    expect(bad.error?.error).toMatchObject({ param: "top_k", type: "invalid_request_error" });
    expect(bad.error?.error.message).toMatch(/body\.top_k: must be at least 1/);
  });
});
