import { rmSync } from "node:fs";
import { MockLLM } from "@llamaindex/core/llms/mock";
import { getResponseSynthesizer } from "@llamaindex/core/response-synthesizers";
import { RetrieverQueryEngine } from "llamaindex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CareEmbedding, CareRetriever } from "../../src/adapters/llamaindex.js";
import { buildFixtureIndex, DOCS, INSTRUCTION, RecordingEmbedder } from "./fixture.js";

let fixture: { root: string; index: string };
beforeAll(async () => {
  fixture = await buildFixtureIndex();
});
afterAll(() => rmSync(fixture.root, { recursive: true, force: true }));

const TASK = { name: "Med-Retrieval", type: "retrieval" as const, queryInstruction: INSTRUCTION };

describe("CareEmbedding (LlamaIndex.TS)", () => {
  it("embeds queries through the query side with the task and texts through the document side", async () => {
    const embedder = new RecordingEmbedder(64);
    const embedding = new CareEmbedding(embedder, TASK);
    const q = await embedding.getQueryEmbedding({ type: "text", text: "高血压吃什么药" });
    const t = await embedding.getTextEmbeddings(["低盐饮食", "多喝水"]);
    const one = await embedding.getTextEmbedding("按时服药");
    expect(q).toHaveLength(64);
    expect(t).toHaveLength(2);
    expect(one).toHaveLength(64);
    expect(embedder.calls.map((c) => [c.side, c.texts, c.task])).toEqual([
      ["query", ["高血压吃什么药"], TASK],
      ["document", ["低盐饮食", "多喝水"], TASK],
      ["document", ["按时服药"], TASK],
    ]);
  });
});

/** A chat model that answers with the prompt it was given, so the test sees what reached it. */
class EchoLLM extends MockLLM {
  prompts: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- MockLLM's overloads
  override async complete(params: any): Promise<any> {
    this.prompts.push(params.prompt as string);
    return { text: `答：${params.prompt as string}`, raw: null };
  }
}

describe("CareRetriever (LlamaIndex.TS) in a query engine", () => {
  it("retrieves the relevant node into the LLM's prompt and returns it as the source", async () => {
    const embedder = new RecordingEmbedder(64);
    const retriever = await CareRetriever.open(fixture.index, embedder, { topK: 1 });
    const llm = new EchoLLM();
    const engine = new RetrieverQueryEngine(retriever, getResponseSynthesizer("compact", { llm }));
    const response = await engine.query({ query: "感冒发烧怎么办" });
    expect(response.sourceNodes?.map((n) => n.node.id_)).toEqual(["d3"]);
    expect(llm.prompts.join("\n")).toContain(DOCS[2].text);
    expect(response.message.content).toContain(DOCS[2].text);
    expect(embedder.calls).toEqual([{ side: "query", texts: ["感冒发烧怎么办"], task: TASK }]);
    await retriever.close();
    expect(embedder.closed).toBe(true);
  });
});
