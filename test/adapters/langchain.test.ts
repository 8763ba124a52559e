import { rmSync } from "node:fs";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { RunnablePassthrough, RunnableSequence } from "@langchain/core/runnables";
import type { DocumentInterface } from "@langchain/core/documents";
import { FakeChatModel } from "@langchain/core/utils/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CareEmbeddings, CareVectorStore } from "../../src/adapters/langchain.js";
import { buildFixtureIndex, DOCS, INSTRUCTION, RecordingEmbedder } from "./fixture.js";

let fixture: { root: string; index: string };
beforeAll(async () => {
  fixture = await buildFixtureIndex();
});
afterAll(() => rmSync(fixture.root, { recursive: true, force: true }));

describe("CareEmbeddings (LangChain.js)", () => {
  it("embeds queries through the query side with the task and documents through the document side", async () => {
    const embedder = new RecordingEmbedder(64);
    const task = { name: "Med-Retrieval", type: "retrieval" as const, queryInstruction: INSTRUCTION };
    const embeddings = new CareEmbeddings(embedder, { task });
    const q = await embeddings.embedQuery("糖尿病能吃西瓜吗");
    const d = await embeddings.embedDocuments(["西瓜含糖量高", "多喝水"]);
    expect(q).toHaveLength(64);
    expect(d).toHaveLength(2);
    expect(embedder.calls).toEqual([
      { side: "query", texts: ["糖尿病能吃西瓜吗"], task },
      { side: "document", texts: ["西瓜含糖量高", "多喝水"], task },
    ]);
    expect(Math.hypot(...q)).toBeCloseTo(1, 5);
  });
});

describe("CareVectorStore (LangChain.js) in a RAG chain", () => {
  it("retrieves the relevant document into the prompt of a chat model", async () => {
    const embedder = new RecordingEmbedder(64);
    const store = await CareVectorStore.open(fixture.index, embedder);
    const retriever = store.asRetriever({ k: 1 });
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "仅根据资料回答。资料：{context}"],
      ["human", "{question}"],
    ]);
    const formatDocs = (docs: DocumentInterface[]) =>
      docs.map((d) => `[${d.id}] ${d.pageContent}`).join("\n");
    // FakeChatModel answers with the messages it was sent: the answer shows what the model saw.
    const chain = RunnableSequence.from([
      { context: retriever.pipe(formatDocs), question: new RunnablePassthrough() },
      prompt,
      new FakeChatModel({}),
      new StringOutputParser(),
    ]);
    const answer = await chain.invoke("糖尿病患者能吃西瓜吗");
    expect(answer).toContain(`[d1] ${DOCS[0].text}`);
    expect(answer).not.toContain("[d2]");
    expect(answer).toContain("糖尿病患者能吃西瓜吗");
    // The query went through the query side with the instruction of the task the index was built for.
    expect(embedder.calls).toEqual([
      {
        side: "query",
        texts: ["糖尿病患者能吃西瓜吗"],
        task: { name: "Med-Retrieval", type: "retrieval", queryInstruction: INSTRUCTION },
      },
    ]);

    const scored = await store.similaritySearchWithScore("高血压吃药", 2);
    expect(scored[0][0].metadata).toEqual({ id: "d2", title: "高血压" });
    expect(scored[0][1]).toBeGreaterThan(scored[1][1]);
    await expect(store.addDocuments([])).rejects.toThrow(/read-only/);
    await store.close();
    expect(embedder.closed).toBe(true);
  });
});
