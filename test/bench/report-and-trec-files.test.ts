import { describe, expect, it } from "vitest";
import { buildLeaderboard, formatScore } from "../../src/bench/report/leaderboard.js";
import { leaderboardMarkdown } from "../../src/bench/report/markdown.js";
import { leaderboardSvg } from "../../src/bench/report/html.js";
import { type TaskResult, modelSlug } from "../../src/bench/result.js";
import { formatRun, formatTrecQrels } from "../../src/bench/trec-files.js";

const res = (model: string, task: string, type: TaskResult["type"], score: number | null): TaskResult => ({
  task,
  model,
  split: "dev",
  type,
  main_metric: type === "sts" ? "cosine_spearman" : "ndcg_at_10",
  scores: {},
  main_score: score,
  n_queries: 1,
  n_docs: 1,
  duration_s: 0,
  evaluated_at: "2026-01-01T00:00:00.000Z",
});

describe("leaderboard", () => {
  const board = buildLeaderboard([
    res("a", "s1", "sts", 0.5),
    res("a", "r1", "retrieval", 0.7),
    res("b", "r1", "retrieval", 0.9),
    res("b", "s1", "sts", null),
    res("c", "r1", "retrieval", 0.1),
  ]);

  it("orders tasks by type then name and models by mean over their defined scores", () => {
    expect(board.tasks.map((t) => t.name)).toEqual(["r1", "s1"]);
    expect(board.rows.map((r) => [r.model, r.mean])).toEqual([
      ["b", 0.9],
      ["a", 0.6],
      ["c", 0.1],
    ]);
  });

  it("prints scores × 100, n/a for an undefined score and nothing for a task not run", () => {
    const md = leaderboardMarkdown(board).split("\n");
    expect(md).toContain("| b | 90.00 | n/a | 90.00 |");
    expect(md).toContain("| c | 10.00 |  | 10.00 |");
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

  it("makes model names into folder names", () => {
    expect(modelSlug("hf:/models/bge-m3")).toBe("hf_models_bge-m3");
    expect(modelSlug("openai:http://127.0.0.1:8000/v1#m")).toBe("openai_http_127.0.0.1_8000_v1_m");
    expect(modelSlug("bm25")).toBe("bm25");
  });
});
