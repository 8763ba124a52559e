import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultFile } from "../../src/bench/result.js";
import { runCliChild } from "../helpers/cli-child.js";
import { writeToySuite } from "../bench/helpers/toy-suite.js";
import { MockHub, sha256, type MockRepo } from "./mock-hub.js";
import { writeTinyRepo } from "./tiny-repo.js";
import { care } from "../helpers/care.js";
import { toJsonl, toySet } from "../care/toy.js";
import type { TrainOutcome } from "../../src/care/outcome.js";
import { TRAINING_CARD } from "../../src/train/st-folder.js";

const root = mkdtempSync(join(tmpdir(), "care-cli-hub-"));
const saved = { ...process.env };
let hub: MockHub;
let repo: MockRepo;
let fixture: ReturnType<typeof writeTinyRepo>;

const embeddings = (jsonl: string) =>
  jsonl
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { embedding: number[] }).embedding);

beforeAll(async () => {
  fixture = writeTinyRepo(root);
  hub = await MockHub.start();
  repo = hub.addRepo("org/tiny", fixture.repo);
  Object.assign(process.env, { HF_ENDPOINT: hub.url, HF_HOME: join(root, "hf"), CARE_QUIET: "1" });
  delete process.env.HF_HUB_CACHE;
  delete process.env.HF_TOKEN;
  delete process.env.HF_HUB_OFFLINE;
});
afterAll(async () => {
  process.env = saved;
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

describe("Hub ids on the command line (mock hub through HF_ENDPOINT)", () => {
  it("resumes a shard after the pull was killed in the middle of it", async () => {
    const shard = repo.files.get(fixture.shards[0])!;
    const cut = Math.floor(shard.length / 2);
    hub.faults.set(sha256(shard), { after: cut, kind: "stall" });
    const part = join(root, "hf", "hub", "models--org--tiny", "blobs", `${sha256(shard)}.incomplete`);
    const first = runCliChild(["models", "pull", "hf:org/tiny"]);
    const deadline = Date.now() + 60_000;
    while (!(existsSync(part) && statSync(part).size === cut)) {
      if (Date.now() > deadline) throw new Error("the pull never reached the stall");
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill("SIGKILL");
    expect((await first.done).code).toBeNull();

    hub.seen.length = 0;
    const printed = await care("models", "pull", "hf:org/tiny");
    const snapshot = join(root, "hf", "hub", "models--org--tiny", "snapshots", repo.commit);
    expect(printed.trim()).toBe(snapshot);
    expect(readFileSync(join(snapshot, fixture.shards[0])).equals(shard)).toBe(true);
    expect(hub.downloads(sha256(shard) + "?signature=x").map((s) => s.range)).toEqual([`bytes=${cut}-`]);
    expect(existsSync(part)).toBe(false);
  }, 90_000);

  it("embeds with a Hub id exactly as with the folder it came from", async () => {
    const texts = join(root, "texts.txt");
    writeFileSync(texts, "头痛发热怎么办\n高血压的治疗\n");
    const viaHub = embeddings(await care("embed", "--model", "hf:org/tiny", "--input", texts));
    const viaFolder = embeddings(await care("embed", "--model", `hf:${fixture.local}`, "--input", texts));
    expect(viaHub).toHaveLength(2);
    expect(viaHub).toEqual(viaFolder);
  });

  it("runs care bench --model hf:org/name against the mock hub, offline too once cached", async () => {
    const suite = writeToySuite(root);
    const out = join(root, "results");
    const printed = await care(
      "bench",
      "--model",
      "hf:org/tiny",
      "--tasks",
      join(suite, "toy-retrieval"),
      "--out",
      out,
    );
    expect(printed).toContain("model: hf:org/tiny");
    // MTEB's layout: the Hub commit is the revision folder, as in MTEB's results.
    const revisions = readdirSync(join(out, "hf_org__tiny"));
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatch(/^[0-9a-f]{40}$/);
    const result = JSON.parse(
      readFileSync(join(out, "hf_org__tiny", revisions[0], "toy-retrieval.json"), "utf8"),
    ) as ResultFile;
    expect(result.care.model.spec).toBe("hf:org/tiny");
    expect(result.care.model.identity!.query.path).toMatch(new RegExp(`snapshots/${revisions[0]}$`));
    expect(result.care.model.weights_sha256!.query).toMatch(/^[0-9a-f]{64}$/);
    expect(result.scores.dev[0].main_score).toBeGreaterThan(0);

    process.env.HF_HUB_OFFLINE = "1";
    try {
      hub.seen.length = 0;
      await care(
        "bench",
        "--model",
        "hf:org/tiny",
        "--tasks",
        join(suite, "toy-retrieval"),
        "--out",
        out,
        "--overwrite",
      );
      expect(hub.seen).toHaveLength(0);
      await expect(care("bench", "--model", "hf:org/other", "--tasks", suite, "--out", out)).rejects.toThrow(
        /hf:org\/other: HF_HUB_OFFLINE is set, and revision "main" is not recorded in the cache/,
      );
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
  });

  it("trains from Hub ids: care train stage1, stage2 and symmetric pull their checkpoints on demand", async () => {
    const snapshot = join(root, "hf", "hub", "models--org--tiny", "snapshots", repo.commit);
    const rows = join(root, "s2.jsonl");
    writeFileSync(rows, toJsonl(toySet(1).rows(8)));
    const texts = join(root, "s1.txt");
    writeFileSync(texts, "头痛发热怎么办\n高血压的治疗\n糖尿病失眠\n感冒咳嗽\n");
    const few = ["--steps", "2", "--batch-size", "2", "--save-every", "1", "--json"];
    const run = async (...args: string[]) => JSON.parse(await care("train", ...args, ...few)) as TrainOutcome;
    const record = (dir: string) => JSON.parse(readFileSync(join(dir, TRAINING_CARD), "utf8")) as object;

    const s1 = await run(
      "stage1",
      "--query",
      "hf:org/tiny",
      "--doc",
      "hf:org/tiny",
      "--data",
      texts,
      "--out",
      join(root, "t1"),
    );
    expect(s1.steps).toBe(2);
    expect(record(s1.models.query)).toMatchObject({ base: snapshot, document: "hf:org/tiny" });

    // A revision pins the same commit; a frozen document side is that snapshot folder itself.
    const s2 = await run(
      "stage2",
      "--query",
      `hf:org/tiny@${repo.commit}`,
      "--doc",
      "hf:org/tiny",
      "--doc-frozen",
      "--group-size",
      "2",
      "--data",
      rows,
      "--out",
      join(root, "t2"),
    );
    expect(s2.steps).toBe(2);
    expect(s2.models.doc).toBe(snapshot);
    expect(record(s2.models.query)).toMatchObject({ query_base: snapshot, document_base: snapshot });

    const sym = await run(
      "symmetric",
      "--model",
      "hf:org/tiny",
      "--group-size",
      "2",
      "--data",
      rows,
      "--out",
      join(root, "ts"),
    );
    expect(sym.steps).toBe(2);
    expect(record(sym.models.model)).toMatchObject({ base: snapshot });
    // A plain folder still works, and nothing is asked of the hub for it.
    hub.seen.length = 0;
    const local = await run(
      "symmetric",
      "--model",
      fixture.local,
      "--group-size",
      "2",
      "--data",
      rows,
      "--out",
      join(root, "tl"),
    );
    expect(record(local.models.model)).toMatchObject({ base: fixture.local });
    expect(hub.seen).toHaveLength(0);
  }, 120_000);
});
