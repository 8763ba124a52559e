import { describe, expect, it } from "vitest";
import { buildLeaderboard, formatScore } from "../../src/bench/report/leaderboard.js";
import { leaderboardMarkdown } from "../../src/bench/report/markdown.js";
import { leaderboardSvg } from "../../src/bench/report/html.js";
import { modelFolder, type ResultRecord } from "../../src/bench/result.js";
import { formatRun, formatTrecQrels } from "../../src/bench/trec-files.js";

const res = (model: string, task: string, type: ResultRecord["type"], score: number | null): ResultRecord => {
  const metric = type === "sts" ? "cosine_spearman" : "ndcg_at_10";
  return {
    file: `${model}/${task}.json`,
    source: "mteb",
    model,
    revision: "r",
    task,
    type,
    split: "dev",
    mainMetric: metric,
    scores: { [metric]: score },
    datasetRevision: null,
    taskHash: null,
    mtebVersion: "2.1.0",
    evaluationTime: 1,
  };
};

describe("leaderboard", () => {
  const board = buildLeaderboard([
    res("a", "s1", "sts", 0.5),
    res("a", "r1", "retrieval", 0.7),
    res("b", "r1", "retrieval", 0.9),
    res("b", "s1", "sts", null),
    res("c", "r1", "retrieval", 0.1),
  ]);

  it("orders tasks by type then name, and averages only over the tasks every model has a score for", () => {
    expect(board.tasks.map((t) => t.name)).toEqual(["r1", "s1"]);
    expect(board.common).toEqual(["r1"]);
    expect(board.rows.map((r) => [r.model, r.mean])).toEqual([
      ["b", 0.9],
      ["a", 0.7],
      ["c", 0.1],
    ]);
    expect(board.rows.map((r) => r.missing.map((m) => m.task))).toEqual([["s1"], [], ["s1"]]);
  });

  it("gives no mean when no task is common to all models", () => {
    const none = buildLeaderboard([res("a", "r1", "retrieval", 0.5), res("b", "s1", "sts", 0.25)]);
    expect(none.common).toEqual([]);
    expect(none.rows.map((r) => r.mean)).toEqual([null, null]);
    expect(leaderboardMarkdown(none)).toContain("no mean is given");
  });

  it("prints scores × 100, n/a for an undefined score and nothing for a task not run", () => {
    const md = leaderboardMarkdown(board).split("\n");
    expect(md).toContain("| b | 90.00 | n/a | 90.00 |");
    expect(md).toContain("| c | 10.00 |  | 10.00 |");
    expect(md).toContain("- c: s1 (not evaluated)");
    expect(formatScore(0.123456)).toBe("12.35");
  });

  it("draws one bar per defined score, with escaped labels", () => {
    const svg = leaderboardSvg(
      buildLeaderboard([res("<m>", "r1", "retrieval", 0.5), res("n", "r1", "retrieval", 0.25)]),
    );
    expect(svg.match(/<rect x=/g)).toHaveLength(2 + 2); // two bars, two legend swatches
    expect(svg).toContain("&lt;m&gt;");
    expect(svg).not.toContain("<m>");
  });
});

describe("TREC files", () => {
  it("writes scores in shortest round-trip form, so the same double is read back", () => {
    const score = 0.1 + 0.2;
    const text = formatRun(
      new Map([
        [
          "q1",
          [
            { id: "d1", score },
            { id: "d2", score: 1e-7 },
          ],
        ],
      ]),
      "tag",
    );
    expect(text).toBe("q1 Q0 d1 1 0.30000000000000004 tag\nq1 Q0 d2 2 1e-7 tag\n");
    expect(parseFloat(text.split("\n")[0].split(" ")[4])).toBe(score);
    expect(formatTrecQrels(new Map([["q1", new Map([["d1", 2]])]]))).toBe("q1 0 d1 2\n");
  });

  it("refuses ids that a whitespace-separated file cannot hold", () => {
    expect(() => formatRun(new Map([["q 1", [{ id: "d", score: 1 }]]]), "t")).toThrow(/query id "q 1"/);
    expect(() => formatTrecQrels(new Map([["q", new Map([["d\t2", 1]])]]))).toThrow(/document id/);
  });

  it("makes model names into folder names as MTEB does (/ becomes __)", () => {
    expect(modelFolder("BAAI/bge-m3")).toBe("BAAI__bge-m3");
    expect(modelFolder("hf:/models/bge-m3")).toBe("hf___models__bge-m3");
    expect(modelFolder("openai:http://127.0.0.1:8000/v1#m")).toBe("openai_http_____127.0.0.1_8000__v1_m");
    expect(modelFolder("bm25")).toBe("bm25");
  });
});
