import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertToGguf } from "../../src/gguf/convert.js";
import { openJudge, type Judge } from "../../src/curate/judge.js";
import { parseJudgeConfigs } from "../../src/curate/judge-config.js";
import { parseJudgment, RUBRIC_VERSION } from "../../src/curate/rubric.js";
import { makeTiny } from "../../src/models/make-tiny.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";

/**
 * No real judge model can ship with the repository, so this runs the GGUF path end to end on a tiny
 * random Qwen3 written on the fly: node-llama-cpp loads it, the JSON-schema grammar holds its output to
 * the judgment shape, and token usage comes from the sequence's meter. What it says is noise; that the
 * score can only be 1–5 and that every outcome is recorded is the point.
 */
describe("local GGUF judge", () => {
  const tmp = mkdtempSync(join(tmpdir(), "care-gguf-judge-"));
  let judge: Judge;

  beforeAll(async () => {
    const dir = join(tmp, "qwen3");
    makeTiny({
      out: dir,
      family: "qwen3",
      hidden: 64,
      heads: 4,
      layers: 2,
      chars: [..."头痛怎么办建议休息"],
      seed: 5,
    });
    const ck = openCheckpoint(dir);
    convertToGguf(ck, join(tmp, "judge.gguf"), "f32");
    ck.weights.close();
    const [cfg] = parseJudgeConfigs(
      [
        {
          name: "local",
          type: "gguf",
          path: "judge.gguf",
          concurrency: 2,
          max_tokens: 48,
          max_reasks: 1,
          threads: 1,
        },
      ],
      join(tmp, "judges.json"),
    );
    judge = await openJudge(cfg);
  });
  afterAll(async () => {
    await judge?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("answers under the judgment grammar, concurrently, with token accounting", async () => {
    const pairs = [
      { pair_id: "p1", query: "头痛怎么办", doc: "建议休息" },
      { pair_id: "p2", query: "头痛", doc: "多喝水" },
      { pair_id: "p3", query: "怎么办", doc: "休息" },
    ];
    const results = await Promise.all(pairs.map((p) => judge.judge(p)));
    for (const [i, r] of results.entries()) {
      expect(r).toMatchObject({
        judge: "local",
        pair_id: pairs[i].pair_id,
        rubric_version: RUBRIC_VERSION,
        cost: 0,
      });
      expect(r.model).toMatch(/^gguf:.*judge\.gguf$/);
      // The grammar allows nothing but the schema: the score field comes first and is one of 1..5.
      expect(r.raw).toMatch(/^\{\s*"score":\s*[1-5]\s*,\s*"reason":/);
      expect(r.input_tokens).toBeGreaterThan(100);
      expect(r.output_tokens).toBeGreaterThan(0);
      if (r.score !== null)
        expect(parseJudgment(r.raw!)).toEqual({ ok: true, score: r.score, reason: r.reason });
      // A reply cut off by max_tokens is malformed: re-asked once, then a recorded failure.
      else expect(r).toMatchObject({ asks: 2, error: expect.stringMatching(/malformed reply after 2 asks/) });
    }
  });
});
