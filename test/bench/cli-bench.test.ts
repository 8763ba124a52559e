import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { reportError } from "../../src/cli/main.js";
import type { ResultFile } from "../../src/bench/result.js";
import { writeToySuite } from "./helpers/toy-suite.js";
import { trecEvalReference } from "./helpers/trec-eval-reference.js";
import { care } from "../helpers/care.js";

// `care bench --model toy` gets a small deterministic dense model: each character hashed into 16
// dimensions, normalised. Identical texts give identical vectors, so score ties are exact.
vi.mock("../../src/bench/load-model.js", async () => {
  const { denseModel } = await import("../../src/bench/dense-model.js");
  const { normalize } = await import("../../src/util/vector.js");
  const { docText } = await import("../../src/core/doc.js");
  const embed = (text: string) => {
    const v = new Float32Array(16);
    for (const ch of text) v[(ch.codePointAt(0)! * 2654435761) % 16] += 1;
    return normalize(v);
  };
  return {
    loadBenchModel: async (spec: string, options: { batchSize?: number }) =>
      denseModel(
        {
          name: `toy:${spec}`,
          dim: 16,
          encodeQueries: async (texts: string[]) => texts.map(embed),
          encodeCorpus: async (docs: { id: string; text: string; title?: string }[]) =>
            docs.map((d) => embed(docText(d))),
          describe: () => ({ query: { kind: "toy", spec }, document: { kind: "toy", spec } }),
          encoding: (task?: { queryInstruction?: string }) => {
            const side = { max_length: 64, pooling: "sum", dim: 16 };
            return {
              query: { prompt: `${task?.queryInstruction ?? "Q"}: {text}`, ...side },
              document: { prompt: "{text}", ...side },
            };
          },
        },
        { batchSize: options.batchSize ?? 7 },
      ),
  };
});

const root = mkdtempSync(join(tmpdir(), "care-cli-bench-"));
const out = join(root, "results");
let suite: string;

/** The model's folder: MTEB's `<model>/<revision>/`, the revision a hash of the toy's identity. */
const modelDir = (): string => {
  const revisions = readdirSync(join(out, "toy_hash"));
  expect(revisions).toHaveLength(1);
  expect(revisions[0]).toMatch(/^[0-9a-f]{12}$/);
  return join(out, "toy_hash", revisions[0]);
};
const result = (task: string): ResultFile =>
  JSON.parse(readFileSync(join(modelDir(), `${task}.json`), "utf8")) as ResultFile;
const main_ = (r: ResultFile) => r.scores.dev[0];

beforeAll(() => {
  process.env.CARE_QUIET = "1";
  suite = writeToySuite(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("care bench (end to end)", () => {
  it("evaluates every task type and writes one result per task", async () => {
    const printed = await care("bench", "--model", "hash", "--tasks", suite, "--out", out, "--save-run");
    for (const task of ["toy-retrieval", "toy-reranking", "toy-sts", "toy-clustering"]) {
      expect(printed).toContain(task);
      const r = result(task);
      // MTEB's TaskResult fields, with care's version beside a null mteb_version.
      expect(r.task_name).toBe(task);
      expect(r.mteb_version).toBeNull();
      expect(r.care_version).toMatch(/^\d+\.\d+\.\d+/);
      expect(r.kg_co2_emissions).toBeNull();
      expect(typeof r.evaluation_time).toBe("number");
      expect(Object.keys(r.scores)).toEqual(["dev"]);
      expect(main_(r).hf_subset).toBe("default");
      expect(main_(r).languages).toEqual(["cmn-Hans"]);
      expect(main_(r).main_score).toBe(main_(r)[r.care.task.main_metric]);
      // Provenance: the data's content hash is the dataset revision; model, prompts and code are named.
      expect(r.dataset_revision).toMatch(/^[0-9a-f]{64}$/);
      expect(r.dataset_revision).toBe(r.care.task.fingerprint.hash);
      expect(r.care.model.spec).toBe("toy:hash");
      expect(r.care.model.identity).toEqual({
        query: { kind: "toy", spec: "hash" },
        document: { kind: "toy", spec: "hash" },
      });
      expect(r.care.model.encoding!.document).toEqual({
        prompt: "{text}",
        max_length: 64,
        pooling: "sum",
        dim: 16,
      });
      expect(r.care.run.command).toContain("bench");
      expect(Number.isNaN(Date.parse(r.care.run.evaluated_at))).toBe(false);
    }
    expect(Object.keys(result("toy-sts").care.task.fingerprint.files)).toEqual(["pairs.jsonl"]);
    const meta = JSON.parse(readFileSync(join(modelDir(), "model_meta.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({ name: "toy:hash", embed_dim: 16, max_tokens: 64, use_instructions: true });
    const retrieval = result("toy-retrieval");
    // 14 queries, one with only non-relevant judgments: 13 are evaluated.
    expect(retrieval.care.task.queries).toBe(13);
    expect(retrieval.care.task.documents).toBe(60);
    // 35 metrics, main_score, hf_subset and languages.
    expect(Object.keys(main_(retrieval))).toHaveLength(38);
    expect(result("toy-reranking").care.task.main_metric).toBe("map_at_1000");
    expect(main_(result("toy-reranking")).mrr_at_10).toBeGreaterThan(0);
    expect(main_(result("toy-sts")).cosine_spearman).toBeGreaterThan(0.3);
    // Each label's texts repeat one word, so the clusters are trivially separable.
    expect(main_(result("toy-clustering")).v_measure).toBeGreaterThan(0.5);
  });

  it("saves TREC files from which trec_eval's definitions give the reported figures", () => {
    for (const task of ["toy-retrieval", "toy-reranking"]) {
      const r = result(task);
      const ref = trecEvalReference(join(modelDir(), `${task}.qrels`), join(modelDir(), `${task}.run`));
      expect(ref.queries).toBe(r.care.task.queries);
      expect(Math.abs(ref.ndcg_cut_10 - (main_(r).ndcg_at_10 as number))).toBeLessThan(1e-6);
      expect(Math.abs(ref.map_cut_1000 - (main_(r).map_at_1000 as number))).toBeLessThan(1e-6);
      expect(Math.abs(ref.recall_100 - (main_(r).recall_at_100 as number))).toBeLessThan(1e-6);
    }
    const lines = readFileSync(join(modelDir(), "toy-reranking.run"), "utf8").trim().split("\n");
    // Reranking saves every candidate: a third of the corpus for each of the 13 evaluated queries.
    expect(lines.length).toBeGreaterThan(13 * 19);
    expect(lines[0]).toMatch(/^q\d+ Q0 d\d+ 1 \S+ toy_hash$/);
  });

  it("resumes: a task with a result is kept unless --overwrite", async () => {
    const file = join(modelDir(), "toy-sts.json");
    const before = readFileSync(file, "utf8");
    const mtime = statSync(file).mtimeMs;
    const printed = await care("bench", "--model", "hash", "--tasks", suite, "--out", out, "--save-run");
    expect(printed.match(/\(kept\)/g)).toHaveLength(4);
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(statSync(file).mtimeMs).toBe(mtime);
    const again = await care(
      "bench",
      "--model",
      "hash",
      "--tasks",
      join(suite, "toy-sts"),
      "--out",
      out,
      "--overwrite",
    );
    expect(again).not.toContain("(kept)");
    expect(JSON.parse(readFileSync(file, "utf8")).scores).toEqual(JSON.parse(before).scores);
  });

  it("evaluates a kept task again when its instruction changed (the recorded prompt no longer holds)", async () => {
    const meta = join(suite, "toy-sts", "task.json");
    const original = readFileSync(meta, "utf8");
    writeFileSync(meta, JSON.stringify({ ...JSON.parse(original), query_instruction: "判断两句是否同义" }));
    try {
      const printed = await care("bench", "--model", "hash", "--tasks", suite, "--out", out);
      expect(printed.match(/\(kept\)/g)).toHaveLength(3);
      expect(result("toy-sts").care.model.encoding!.query.prompt).toBe("判断两句是否同义: {text}");
    } finally {
      writeFileSync(meta, original);
    }
  });

  it("care report writes a markdown leaderboard and an HTML page with an SVG chart", async () => {
    const printed = await care("report", out, "--out", join(root, "report"));
    expect(printed).toContain("1 models × 4 tasks");
    const md = readFileSync(join(root, "report", "leaderboard.md"), "utf8");
    const sts = (100 * (main_(result("toy-sts")).main_score as number)).toFixed(2);
    expect(md).toMatch(new RegExp(`\\| toy:hash \\| .*${sts}`));
    const html = readFileSync(join(root, "report", "leaderboard.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html.match(/<rect x=/g)!.length).toBeGreaterThanOrEqual(4);
    expect(html).toContain("toy-clustering");
  });

  it("turns bad input into a CareError message naming the path", async () => {
    const missing = join(root, "no-such-suite");
    const err = await care("bench", "--model", "hash", "--tasks", missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(reportError(err)).toBe(1);
    expect(String(spy.mock.calls[0][0])).toBe(`care: ${missing}: no such folder\n`);
    spy.mockRestore();
  });
});
