import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CareError } from "../../src/core/errors.js";
import { parseHubId } from "../../src/hub/id.js";
import { firstFiles, moduleFiles, shardFiles } from "../../src/hub/files.js";
import { checkpointDir, pullModel } from "../../src/hub/pull.js";
import { hubSettings, type HubSettings } from "../../src/hub/settings.js";
import { gitBlobSha, MockHub, sha256, type MockRepo } from "./mock-hub.js";
import { writeTinyRepo } from "./tiny-repo.js";

const root = mkdtempSync(join(tmpdir(), "care-hub-"));
let hub: MockHub;
let repo: MockRepo;
let fixture: ReturnType<typeof writeTinyRepo>;
let cacheDir: string;
let n = 0;

const settings = (over: Partial<HubSettings> = {}): HubSettings => ({
  endpoint: hub.url,
  cacheDir,
  offline: false,
  ...over,
});
const fast = { retries: 2, backoffMs: 5, quiet: true };

beforeAll(async () => {
  fixture = writeTinyRepo(root);
  hub = await MockHub.start();
  repo = hub.addRepo("org/tiny", fixture.repo);
  hub.addRepo("org/gated", fixture.repo, { access: { kind: "gated", token: "hf_secret_token_123" } });
  hub.addRepo("org/private", fixture.repo, { access: { kind: "private", token: "hf_secret_token_123" } });
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  cacheDir = join(root, `cache-${n++}`);
  hub.seen.length = 0;
});

describe("hub ids", () => {
  it("parses org/name and an optional revision, and nothing shaped like a path", () => {
    expect(parseHubId("BAAI/bge-small-zh-v1.5")).toEqual({
      repo: "BAAI/bge-small-zh-v1.5",
      revision: "main",
    });
    expect(parseHubId("org/m@v1.0")).toEqual({ repo: "org/m", revision: "v1.0" });
    expect(parseHubId("org/m@refs/pr/3")).toEqual({ repo: "org/m", revision: "refs/pr/3" });
    for (const s of ["./org/m", "/abs/m", "m", "a/b/c", "org/..", "org/m@", "org/m@../x", "../m"])
      expect(parseHubId(s)).toBeUndefined();
  });

  it("chooses configs, tokenizer, shards and module files, never other weight formats", () => {
    const listing = [
      "config.json",
      "tokenizer.json",
      "model.safetensors.index.json",
      "model-1.safetensors",
      "pytorch_model.bin",
      "onnx/model.onnx",
      "README.md",
      "modules.json",
      "2_Dense/config.json",
      "2_Dense/model.safetensors",
      "2_Dense/pytorch_model.bin",
      "1_Pooling/config.json",
    ];
    expect(firstFiles(listing)).toEqual([
      "config.json",
      "tokenizer.json",
      "model.safetensors.index.json",
      "modules.json",
      "1_Pooling/config.json",
    ]);
    expect(shardFiles({ weight_map: { a: "model-1.safetensors", b: "model-1.safetensors" } })).toEqual([
      "model-1.safetensors",
    ]);
    expect(moduleFiles([{ path: "" }, { path: "1_Pooling" }, { path: "2_Dense" }], listing)).toEqual([
      "2_Dense/config.json",
      "2_Dense/model.safetensors",
      "1_Pooling/config.json",
    ]);
  });

  it("reads the Python tools' variables", () => {
    const s = hubSettings({
      HF_HOME: "/h",
      HF_ENDPOINT: "http://mirror/",
      HF_HUB_OFFLINE: "1",
      HF_TOKEN: " t ",
    });
    expect(s).toEqual({ endpoint: "http://mirror", token: "t", cacheDir: "/h/hub", offline: true });
    expect(hubSettings({ HF_HOME: "/h", HF_HUB_CACHE: "/c" }).cacheDir).toBe("/c");
  });
});

describe("pull into the Hugging Face cache", () => {
  it("lays out blobs, snapshot links and refs as huggingface_hub does, fetching only what is needed", async () => {
    const dir = await pullModel({ repo: "org/tiny", revision: "main" }, { settings: settings(), ...fast });
    const folder = join(cacheDir, "models--org--tiny");
    expect(dir).toBe(join(folder, "snapshots", repo.commit));
    expect(readFileSync(join(folder, "refs", "main"), "utf8")).toBe(repo.commit);
    const expected = [
      "1_Pooling/config.json",
      "care.json",
      "config.json",
      "config_sentence_transformers.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
      "modules.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ];
    const got = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.includes("."));
    expect(got.sort()).toEqual(expected);
    for (const f of expected) {
      const data = repo.files.get(f)!;
      const etag = f.endsWith(".safetensors") ? sha256(data) : gitBlobSha(data);
      const link = readlinkSync(join(dir, f));
      expect(link.startsWith("..")).toBe(true);
      expect(join(dir, f, "..", link)).toBe(join(folder, "blobs", etag));
      expect(readFileSync(join(dir, f)).equals(data)).toBe(true);
    }
    expect(hub.seen.some((s) => /pytorch_model|onnx|README/.test(s.path))).toBe(false);
    // The signed storage URL never gets the token; the weights came from there.
    expect(hub.downloads("safetensors").every((s) => s.server === "cdn")).toBe(true);

    // A second pull finds everything in the snapshot: one request for the revision, no downloads.
    hub.seen.length = 0;
    expect(await pullModel({ repo: "org/tiny", revision: "main" }, { settings: settings(), ...fast })).toBe(
      dir,
    );
    expect(hub.seen.map((s) => s.path)).toEqual([`/api/models/org/tiny/revision/main`]);
  });

  it("lets two pulls of one model run at once, each file downloaded once", async () => {
    const pull = () => pullModel({ repo: "org/tiny", revision: "main" }, { settings: settings(), ...fast });
    const [a, b] = await Promise.all([pull(), pull()]);
    expect(a).toBe(b);
    for (const shard of fixture.shards) {
      expect(hub.downloads(sha256(repo.files.get(shard)!) + "?signature=x")).toHaveLength(1);
      expect(readFileSync(join(a, shard)).equals(repo.files.get(shard)!)).toBe(true);
    }
    expect(
      readdirSync(join(cacheDir, "models--org--tiny", "blobs")).filter((f) => !/^[0-9a-f]+$/.test(f)),
    ).toEqual([]);
  });

  it("pins a commit (no ref written, offline by commit) and refuses a repository without safetensors", async () => {
    const ref = { repo: "org/tiny", revision: repo.commit };
    const dir = await pullModel(ref, { settings: settings(), ...fast });
    expect(dir).toBe(join(cacheDir, "models--org--tiny", "snapshots", repo.commit));
    expect(existsSync(join(cacheDir, "models--org--tiny", "refs"))).toBe(false);
    expect(await pullModel(ref, { settings: settings({ offline: true }) })).toBe(dir);

    const binOnly = join(root, "bin-only");
    mkdirSync(binOnly, { recursive: true });
    writeFileSync(join(binOnly, "config.json"), "{}");
    writeFileSync(join(binOnly, "pytorch_model.bin"), "weights");
    hub.addRepo("org/bin-only", binOnly);
    await expect(
      pullModel({ repo: "org/bin-only", revision: "main" }, { settings: settings(), ...fast }),
    ).rejects.toThrow(
      /hf:org\/bin-only \(commit \w+\) has no model.safetensors or model.safetensors.index.json \(pytorch_model.bin is not read: .*hf:org\/bin-only@refs\/pr\/<n>/,
    );
  });

  it("answers a local folder as it is, even when it also looks like a Hub id", async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      mkdirSync(join(root, "org", "tiny"), { recursive: true });
      expect(await checkpointDir("org/tiny", { settings: settings(), ...fast })).toBe("org/tiny");
      expect(hub.seen).toHaveLength(0);
    } finally {
      process.chdir(cwd);
    }
  });

  it("resumes a shard after a dropped connection with a Range request, and checks its sha256", async () => {
    const shard = repo.files.get(fixture.shards[1])!;
    const cut = Math.floor(shard.length / 2);
    hub.faults.set(sha256(shard), { after: cut, kind: "drop" });
    const dir = await pullModel({ repo: "org/tiny", revision: "main" }, { settings: settings(), ...fast });
    expect(readFileSync(join(dir, fixture.shards[1])).equals(shard)).toBe(true);
    const gets = hub.downloads(sha256(shard) + "?signature=x");
    expect(gets.map((g) => g.range)).toEqual([undefined, `bytes=${cut}-`]);
  });

  it("names the repository when it does not exist, and the file when one is missing", async () => {
    await expect(
      pullModel({ repo: "org/nope", revision: "main" }, { settings: settings(), ...fast }),
    ).rejects.toThrow(
      /model org\/nope revision "main" at http:\/\/127\.0\.0\.1:\d+: not found \(404\).*Repository not found/,
    );
    await expect(
      pullModel({ repo: "org/tiny", revision: "v9" }, { settings: settings(), ...fast }),
    ).rejects.toThrow(/revision "v9".*404.*Invalid rev id/);
    repo.vanished.add("tokenizer.json");
    try {
      await expect(
        pullModel({ repo: "org/tiny", revision: "main" }, { settings: settings(), ...fast }),
      ).rejects.toThrow(new RegExp(`file "tokenizer.json" of org/tiny@${repo.commit}: not found \\(404\\)`));
    } finally {
      repo.vanished.delete("tokenizer.json");
    }
  });

  it("refuses gated and private models without the right token, reads them with it, never writing it", async () => {
    const token = "hf_secret_token_123";
    const pull = (repo: string, t?: string) =>
      pullModel({ repo, revision: "main" }, { settings: settings({ token: t }), ...fast }).catch(
        (e: unknown) => e,
      );
    // Gated: the file list is public, the files are not.
    const gatedNone = (await pull("org/gated")) as Error;
    expect(gatedNone).toBeInstanceOf(CareError);
    expect(gatedNone.message).toMatch(
      /file "[^"]+" of org\/gated@\w+: 401 unauthorized \(the Hub says: .*must be authenticated.\): .*set HF_TOKEN/,
    );
    const gatedWrong = (await pull("org/gated", "hf_bad")) as Error;
    expect(gatedWrong.message).toMatch(/403 forbidden.*accept its terms on the model page/);
    expect(gatedWrong.message).not.toContain("hf_bad");
    // Private: even the file list is refused.
    expect(((await pull("org/private")) as Error).message).toMatch(
      /model org\/private revision "main" at .*: 401 unauthorized.*set HF_TOKEN/,
    );
    expect(((await pull("org/private", "hf_bad")) as Error).message).toMatch(/token in HF_TOKEN was refused/);
    expect(await pull("org/private", token)).toMatch(/snapshots/);
    const dir = await pullModel(
      { repo: "org/gated", revision: "main" },
      { settings: settings({ token }), ...fast },
    );
    expect(existsSync(join(dir, "config.json"))).toBe(true);
    expect(hub.seen.filter((s) => s.server === "cdn").every((s) => s.auth === undefined)).toBe(true);
    for (const f of readdirSync(cacheDir, { recursive: true, encoding: "utf8" })) {
      const p = join(cacheDir, f);
      if (statSync(p).isFile()) expect(readFileSync(p, "latin1")).not.toContain(token);
    }
  });

  it("offline, reads a cache filled by another tool, and says plainly when the cache lacks the model", async () => {
    // The layout huggingface_hub writes, made by hand: refs/main, blobs by ETag, relative links.
    const folder = join(cacheDir, "models--org--tiny");
    const commit = repo.commit;
    mkdirSync(join(folder, "refs"), { recursive: true });
    writeFileSync(join(folder, "refs", "main"), commit);
    const closed = settings({ offline: true, endpoint: "http://127.0.0.1:9" });
    await expect(pullModel({ repo: "org/tiny", revision: "main" }, { settings: closed })).rejects.toThrow(
      /hf:org\/tiny: HF_HUB_OFFLINE is set, and snapshot \w+ has no config.json in the cache .*care models pull hf:org\/tiny/,
    );
    for (const [f, data] of repo.files) {
      if (!/(config|index)\.json$|safetensors$|tokenizer\.json$/.test(f) || f.includes("/")) continue;
      mkdirSync(join(folder, "blobs"), { recursive: true });
      writeFileSync(join(folder, "blobs", sha256(data)), data);
      mkdirSync(join(folder, "snapshots", commit), { recursive: true });
      symlinkSync(join("..", "..", "blobs", sha256(data)), join(folder, "snapshots", commit, f));
    }
    expect(await pullModel({ repo: "org/tiny", revision: "main" }, { settings: closed })).toBe(
      join(folder, "snapshots", commit),
    );
    expect(hub.seen).toHaveLength(0);

    const empty = settings({ offline: true, cacheDir: join(root, "empty-cache") });
    await expect(pullModel({ repo: "org/tiny", revision: "main" }, { settings: empty })).rejects.toThrow(
      /hf:org\/tiny: HF_HUB_OFFLINE is set, and revision "main" is not recorded in the cache .*empty-cache/,
    );
  });

  it("falls back to a complete cached snapshot when the Hub cannot be reached", async () => {
    const dir = await pullModel({ repo: "org/tiny", revision: "main" }, { settings: settings(), ...fast });
    const down = settings({ endpoint: "http://127.0.0.1:9" });
    expect(await pullModel({ repo: "org/tiny", revision: "main" }, { settings: down, ...fast })).toBe(dir);
    await expect(
      pullModel(
        { repo: "org/tiny", revision: "main" },
        { settings: { ...down, cacheDir: join(root, "none") }, ...fast },
      ),
    ).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:9.*not recorded in the cache/);
  });
});
