import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTask } from "../../src/tasks/load.js";
import { writeRankingTask, writeStsTask } from "../../src/tasks/write.js";
import type { RankingData } from "../../src/core/task.js";
import {
  buildRankingTask,
  buildStsTask,
  decide,
  relevanceGrade,
  type VotedPair,
} from "../../src/curate/aggregate.js";
import { makePair } from "../../src/curate/pair.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function vp(q: string, d: string, scores: (number | null)[]): VotedPair {
  return {
    pair: makePair({ task: "t", query_id: q, doc_id: d, query: `query ${q}`, doc: `doc ${d}` }),
    scores,
    decision: decide(scores),
  };
}

describe("the unanimous vote", () => {
  it("needs every judge on the same side of the thresholds", () => {
    expect(decide([4, 5, 4])).toBe("positive");
    expect(decide([5, 5, 3])).toBe("unsure");
    expect(decide([1, 2, 2])).toBe("negative");
    expect(decide([2, 2, 3])).toBe("unsure");
    expect(decide([1, 5])).toBe("unsure");
    expect(decide([3, 3])).toBe("unsure");
  });

  it("treats a missing or failed judgment as unsure", () => {
    expect(decide([5, null, 5])).toBe("unsure");
    expect(decide([1, undefined])).toBe("unsure");
    expect(decide([])).toBe("unsure");
  });

  it("moves with the thresholds", () => {
    expect(decide([3, 3], { positiveMin: 3, negativeMax: 1 })).toBe("positive");
    expect(decide([2, 1], { positiveMin: 3, negativeMax: 1 })).toBe("unsure");
    expect(decide([5, 5], { positiveMin: 5, negativeMax: 3 })).toBe("positive");
  });

  it("grades a positive by its lowest score above the threshold", () => {
    expect(relevanceGrade([4, 5])).toBe(1);
    expect(relevanceGrade([5, 5, 5])).toBe(2);
    expect(relevanceGrade([5, 5], { positiveMin: 3, negativeMax: 1 })).toBe(3);
  });
});

describe("curated task folders", () => {
  const voted = [
    vp("q1", "d1", [5, 5]), // positive, grade 2
    vp("q1", "d2", [4, 5]), // positive, grade 1
    vp("q1", "d3", [1, 2]), // negative
    vp("q1", "d4", [3, 5]), // unsure
    vp("q2", "d2", [2, 2]), // negative only: no positive
    vp("q3", "d5", [4, 4]), // positive only: no negative
    vp("q3", "d6", [4, null]), // unsure (a judge failed)
  ];

  it("retrieval from the pool alone: qrels of positives, queries that have one, pooled decided documents", async () => {
    const { meta, data, counts } = buildRankingTask("t", "retrieval", voted, ["A", "B"]);
    expect(meta).toMatchObject({ name: "t-curated", type: "retrieval", main_score: "ndcg_at_10" });
    expect(data.queries.map((q) => q.id)).toEqual(["q1", "q3"]);
    expect([...data.qrels.get("q1")!]).toEqual([
      ["d1", 2],
      ["d2", 1],
    ]);
    expect([...data.qrels.get("q3")!]).toEqual([["d5", 1]]);
    // Unsure documents (d4, d6) are not in a pool-only corpus.
    expect(data.corpus.map((d) => d.id).sort()).toEqual(["d1", "d2", "d3", "d5"]);
    expect(counts).toEqual({ queries: 2, docs: 4, positives: 3, negatives: 2, unsure: 2 });

    const dir = mkdtempSync(join(tmpdir(), "care-agg-"));
    dirs.push(dir);
    writeRankingTask(dir, meta, data);
    const back = await loadTask(dir);
    expect(back.meta.type).toBe("retrieval");
    if (!("data" in back)) throw new Error("expected a ranking task");
    expect(back.data.qrels.get("q1")!.get("d1")).toBe(2);
  });

  it("retrieval over the original task keeps its corpus, titles and query instruction", () => {
    const base: RankingData = {
      corpus: ["d1", "d2", "d3", "d4", "d5", "d6", "d7"].map((id) => ({
        id,
        title: `T${id}`,
        text: `doc ${id}`,
      })),
      queries: ["q3", "q2", "q1"].map((id) => ({ id, text: `query ${id}` })),
      qrels: new Map([["q2", new Map([["d7", 1]])]]),
    };
    const { meta, data } = buildRankingTask("t", "retrieval", voted, ["A", "B"], undefined, {
      meta: {
        name: "t",
        type: "retrieval",
        split: "dev",
        main_score: "ndcg_at_10",
        query_instruction: "找答案",
      },
      data: base,
    });
    expect(meta).toMatchObject({ split: "dev", query_instruction: "找答案" });
    expect(data.corpus).toHaveLength(7);
    // The original order of queries; q2's old label is replaced by the vote (it has no positive now).
    expect(data.queries.map((q) => q.id)).toEqual(["q3", "q1"]);
    expect(data.qrels.has("q2")).toBe(false);
  });

  it("reranking: candidates are positives and negatives, unsure left out; a query needs both", async () => {
    const { data, meta } = buildRankingTask("t", "reranking", voted, ["A", "B"]);
    expect(meta.main_score).toBe("map_at_1000");
    expect(data.queries.map((q) => q.id)).toEqual(["q1"]);
    expect(data.candidates).toEqual(new Map([["q1", ["d1", "d2", "d3"]]]));
    expect([...data.qrels.keys()]).toEqual(["q1"]);
    expect(data.corpus.map((d) => d.id)).toEqual(["d1", "d2", "d3"]);

    const dir = mkdtempSync(join(tmpdir(), "care-agg-"));
    dirs.push(dir);
    writeRankingTask(dir, meta, data);
    const back = await loadTask(dir);
    if (!("data" in back)) throw new Error("expected a ranking task");
    expect(back.data.candidates!.get("q1")).toEqual(["d1", "d2", "d3"]);
  });

  it("STS: decided pairs scored by the judges' mean on the 1–5 scale", async () => {
    const { meta, pairs, counts } = buildStsTask("t", voted, ["A", "B"]);
    expect(meta).toMatchObject({ type: "sts", min_score: 1, max_score: 5, main_score: "cosine_spearman" });
    expect(pairs.map((p) => p.score)).toEqual([5, 4.5, 1.5, 2, 4]);
    expect(pairs[0]).toEqual({ sentence1: "query q1", sentence2: "doc d1", score: 5 });
    expect(counts.unsure).toBe(2);

    const dir = mkdtempSync(join(tmpdir(), "care-agg-"));
    dirs.push(dir);
    writeStsTask(dir, meta, pairs);
    const back = await loadTask(dir);
    if (!("pairs" in back)) throw new Error("expected an STS task");
    expect(back.pairs).toHaveLength(5);
  });
});
