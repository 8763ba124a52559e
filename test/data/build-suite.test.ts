import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { care } from "../helpers/care.js";
import { buildSuite, formatSuiteSummary, type SuiteSummary } from "../../src/data/build-suite.js";
import { readKuakeQQR } from "../../src/data/sources/kuake-qqr.js";
import { readMedicalDialogue } from "../../src/data/sources/medical-dialogue.js";
import { readTianchi } from "../../src/data/sources/tianchi.js";
import { isHeldOut } from "../../src/data/splits.js";
import { assembleSuite, suiteTextSet } from "../../src/data/suite.js";
import { CareError, SkipLog } from "../../src/core/errors.js";
import { collect, DATA, dataFile } from "./paths.js";

const jsonl = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));

let out: string;
let summary: SuiteSummary;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "care-suite-"));
  summary = await buildSuite({ from: DATA, out });
});

describe("buildSuite on ../shared/data", () => {
  it("writes the nine task folders with the counts verified in Python", () => {
    expect(readdirSync(out).sort()).toEqual(summary.tasks.map((t) => t.name).sort());
    const counts = Object.fromEntries(summary.tasks.map((t) => [t.name, t.counts]));
    expect(counts).toEqual({
      "CMedQA-Retrieval": { queries: 218, documents: 4593, qrels: 985 },
      "CMedQA-Reranking": { queries: 218, documents: 1621, qrels: 2429, candidates: 2429 },
      "MedicalDialogue-Retrieval": { queries: 967, documents: 1823, qrels: 967 },
      "CMedIR-Retrieval": { queries: 4298, documents: 9866, qrels: 9868 },
      "CMedIR-Reranking": { queries: 4298, documents: 9866, qrels: 9868, candidates: 9868 },
      "CMedQQ-STS": { pairs: 1793 },
      "KUAKE-QQR-STS": { pairs: 1668 },
      "Tianchi-STS": { pairs: 1676 },
      "CMedTC-Clustering": { items: 1550, labels: 39 },
    });
    expect(summary.skipped.map((s) => s.line)).toEqual([352, 353, 354, 355, 356, 8054]);
    const text = formatSuiteSummary(summary);
    expect(text).toContain("skipped rows: 6");
    expect(text).toContain("train.csv:8054: missing label");
  });

  it("writes valid folders: task.json fields, unique ids, qrels and candidates naming existing ids", () => {
    for (const t of summary.tasks) {
      const meta = JSON.parse(readFileSync(join(t.dir, "task.json"), "utf8"));
      expect(meta).toMatchObject({ name: t.name, type: t.type, split: "dev" });
      expect(typeof meta.main_score).toBe("string");
      expect(meta.query_instruction).toMatch(/[\u4e00-\u9fff]/);
      expect(meta.source).toBeTruthy();
      expect(meta.description).toBeTruthy();
      if (t.type === "retrieval" || t.type === "reranking") {
        const corpus = jsonl(join(t.dir, "corpus.jsonl"));
        const queries = jsonl(join(t.dir, "queries.jsonl"));
        const docIds = new Set(corpus.map((d) => d._id));
        const queryIds = new Set(queries.map((q) => q._id));
        expect(docIds.size).toBe(corpus.length);
        expect(queryIds.size).toBe(queries.length);
        expect(corpus.every((d) => typeof d.text === "string" && d.text !== "")).toBe(true);
        const [header, ...rows] = readFileSync(join(t.dir, "qrels", "dev.tsv"), "utf8")
          .trimEnd()
          .split("\n");
        expect(header).toBe("query-id\tcorpus-id\tscore");
        const withRelevant = new Set<string>();
        for (const r of rows) {
          const [q, d, s] = r.split("\t");
          expect(queryIds.has(q) && docIds.has(d) && /^\d+$/.test(s)).toBe(true);
          if (Number(s) > 0) withRelevant.add(q);
        }
        // Every query has something to find.
        expect(withRelevant.size).toBe(queries.length);
        if (t.type === "reranking") {
          const cands = jsonl(join(t.dir, "candidates.jsonl"));
          expect(cands).toHaveLength(queries.length);
          for (const c of cands) {
            expect(queryIds.has(c["query-id"])).toBe(true);
            expect(c["corpus-ids"].every((id: string) => docIds.has(id))).toBe(true);
            expect(new Set(c["corpus-ids"]).size).toBe(c["corpus-ids"].length);
          }
        }
      } else if (t.type === "sts") {
        const pairs = jsonl(join(t.dir, "pairs.jsonl"));
        expect(pairs.every((p) => p.score >= meta.min_score && p.score <= meta.max_score)).toBe(true);
        expect(new Set(pairs.map((p) => p.score)).size).toBe(meta.max_score - meta.min_score + 1);
      } else {
        const items = jsonl(join(t.dir, "items.jsonl"));
        expect(items.every((i) => i.text && i.label)).toBe(true);
      }
    }
  });

  it("care data build-suite rebuilds byte-identical files (content-hash ids, file order) and prints the counts", async () => {
    const again = mkdtempSync(join(tmpdir(), "care-suite-"));
    const printed = await care("data", "build-suite", "--from", DATA, "--out", again);
    expect(printed).toMatch(/CMedIR-Retrieval +retrieval +4298 queries, 9866 documents, 9868 qrels/);
    for (const t of summary.tasks) {
      const files = readdirSync(t.dir).filter((n) => n.endsWith(".jsonl") || n.endsWith(".json"));
      expect(files.length).toBeGreaterThanOrEqual(2);
      for (const f of files) {
        expect(readFileSync(join(again, t.name, f), "utf8")).toBe(readFileSync(join(t.dir, f), "utf8"));
      }
    }
  });

  it("keeps held-out groups whole: no query1 or answer is on both sides of the split", async () => {
    const skips = new SkipLog();
    const kuake = readKuakeQQR(dataFile("kuake-qqr/train.json"), skips);
    const tianchi = await collect(readTianchi(dataFile("tianchi-covid-pairs/train.csv"), skips));
    const dialogue = await collect(
      readMedicalDialogue(dataFile("medical-dialogue/internal-medicine-sample.csv"), skips),
    );
    const sides = <T>(rows: T[], held: (r: T) => boolean, key: (r: T) => string) => {
      const a = new Set(rows.filter(held).map(key));
      const b = new Set(rows.filter((r) => !held(r)).map(key));
      return { held: a.size, shared: [...a].filter((k) => b.has(k)).length };
    };
    expect(
      sides(
        kuake,
        (r) => isHeldOut("kuake-qqr", r.query1),
        (r) => r.query1,
      ),
    ).toEqual({ held: 88, shared: 0 });
    expect(
      sides(
        tianchi,
        (r) => isHeldOut("tianchi", r.query1),
        (r) => r.query1,
      ).shared,
    ).toBe(0);
    expect(
      sides(
        dialogue,
        (r) => isHeldOut("medical-dialogue", r.answer),
        (r) => r.answer,
      ).shared,
    ).toBe(0);
    // The STS task holds exactly the held-out pairs.
    const sts = jsonl(join(out, "KUAKE-QQR-STS", "pairs.jsonl"));
    expect(sts).toHaveLength(kuake.filter((r) => isHeldOut("kuake-qqr", r.query1)).length);
  });

  it("suiteTextSet holds every text the suite shows, and not the train side", async () => {
    const suite = await assembleSuite(DATA);
    const set = suiteTextSet(suite.tasks);
    for (const t of summary.tasks) {
      const texts =
        t.type === "sts"
          ? jsonl(join(t.dir, "pairs.jsonl")).flatMap((p) => [p.sentence1, p.sentence2])
          : t.type === "clustering"
            ? jsonl(join(t.dir, "items.jsonl")).map((i) => i.text)
            : [...jsonl(join(t.dir, "queries.jsonl")), ...jsonl(join(t.dir, "corpus.jsonl"))].map(
                (x) => x.text,
              );
      expect(texts.filter((x) => !set.has(x))).toEqual([]);
    }
    const kuake = readKuakeQQR(dataFile("kuake-qqr/train.json"), new SkipLog());
    const trainSide = kuake.filter((r) => !isHeldOut("kuake-qqr", r.query1));
    expect(trainSide.filter((r) => set.has(r.query1)).length).toBeLessThan(trainSide.length / 10);
  });
});

describe("buildSuite without the data", () => {
  it("says which files are needed and where", async () => {
    const empty = mkdtempSync(join(tmpdir(), "care-nodata-"));
    const out2 = join(empty, "out");
    const err = await buildSuite({ from: empty, out: out2 }).catch((e) => e);
    expect(err).toBeInstanceOf(CareError);
    expect(err.message).toContain("7 of the 7 files it needs are missing");
    expect(err.message).toContain(join(empty, "chinese-blue/cMedQA/dev.txt"));
    expect(err.message).toContain(join(empty, "medical-dialogue/internal-medicine-sample.csv"));
    expect(existsSync(out2)).toBe(false);
  });
});
