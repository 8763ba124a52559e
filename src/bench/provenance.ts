import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchModel } from "../core/bench-model.js";
import type { TaskMeta } from "../core/task.js";

/** The data a task's scores depend on, by content: per-file SHA-256 and one hash over them. */
export interface TaskFingerprint {
  /** SHA-256 over the sorted `file:sha256` lines of `files`. */
  hash: string;
  files: Record<string, string>;
}

/** What produced a result: the model as opened, the code and the command. */
export interface ModelProvenance {
  /** The spec the model was opened with (`hf:<dir>`, `openai:<url>#<model>`, `bm25`, ...). */
  spec: string;
  /** Embedder.describe() of each side (paths, config/tokenizer hashes, endpoint and model name...). */
  identity: { query: Record<string, unknown>; document: Record<string, unknown> } | null;
  /** SHA-256 over the content of the weight files of each side; null for remote and lexical models. */
  weights_sha256: { query: string | null; document: string | null } | null;
}

export interface RunProvenance {
  care_version: string;
  /** HEAD of the care checkout that ran, with "-dirty" when it had uncommitted changes; null outside git. */
  git_commit: string | null;
  command: string;
  node: string;
}

/** The files of a task folder its type reads (see core/task.ts), relative to the folder. */
export function taskDataFiles(meta: TaskMeta): string[] {
  switch (meta.type) {
    case "retrieval":
      return ["corpus.jsonl", "queries.jsonl", `qrels/${meta.split}.tsv`];
    case "reranking":
      return ["corpus.jsonl", "queries.jsonl", `qrels/${meta.split}.tsv`, "candidates.jsonl"];
    case "sts":
      return ["pairs.jsonl"];
    case "clustering":
      return ["items.jsonl"];
  }
}

/**
 * Hashes the data a task is scored on (not task.json: its instruction is recorded separately, per
 * side, as the model resolved it). Two results with the same hash were scored on the same bytes.
 */
export async function fingerprintTask(dir: string, meta: TaskMeta): Promise<TaskFingerprint> {
  const files: Record<string, string> = {};
  for (const f of taskDataFiles(meta)) files[f] = await sha256File(join(dir, f));
  const lines = Object.keys(files)
    .sort()
    .map((f) => `${f}:${files[f]}\n`)
    .join("");
  return { hash: createHash("sha256").update(lines).digest("hex"), files };
}

const weightsCache = new Map<string, string>();

/**
 * SHA-256 over the weight files of one side, by content: a checkpoint folder's *.safetensors / *.bin
 * files in name order, or a GGUF file. Identity alone stamps files by size and time, which a copy or a
 * re-download changes and an in-place rewrite may not; a result file should name the bytes.
 */
export async function weightsSha256(identity: Record<string, unknown>): Promise<string | null> {
  let files: string[] = [];
  if (identity.kind === "hf" && typeof identity.path === "string" && existsSync(identity.path)) {
    const dir = identity.path;
    files = readdirSync(dir)
      .filter((f) => /\.(safetensors|bin)$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } else if (identity.kind === "gguf" && typeof identity.file === "string" && existsSync(identity.file)) {
    files = [resolve(identity.file)];
  }
  if (files.length === 0) return null;
  const key = files.map((f) => `${f}:${statSync(f).size}:${statSync(f).mtimeMs}`).join("\n");
  const cached = weightsCache.get(key);
  if (cached) return cached;
  const h = createHash("sha256");
  for (const f of files) h.update(`${await sha256File(f)}\n`);
  const digest = h.digest("hex");
  weightsCache.set(key, digest);
  return digest;
}

export async function modelProvenance(model: BenchModel): Promise<ModelProvenance> {
  const identity = model.describe?.() ?? null;
  if (!identity) return { spec: model.name, identity: null, weights_sha256: null };
  const query = await weightsSha256(identity.query);
  const document = identity.document === identity.query ? query : await weightsSha256(identity.document);
  return { spec: model.name, identity, weights_sha256: { query, document } };
}

let packageInfo: { version: string; root: string } | undefined;

/** This package's version and folder (found from this file, in src/ and in dist/ alike). */
export function carePackage(): { version: string; root: string } {
  if (packageInfo) return packageInfo;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "care-retrieval")
        return (packageInfo = { version: pkg.version ?? "0.0.0", root: dir });
    }
    const up = dirname(dir);
    if (up === dir) return (packageInfo = { version: "0.0.0", root: dir });
    dir = up;
  }
}

let commit: string | null | undefined;

function gitCommit(root: string): string | null {
  if (commit !== undefined) return commit;
  try {
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const head = git("rev-parse", "HEAD").trim();
    const dirty = git("status", "--porcelain", "--untracked-files=no").trim() !== "";
    commit = dirty ? `${head}-dirty` : head;
  } catch {
    commit = null;
  }
  return commit;
}

/** The command line of this process, quoted so that it can be pasted back into a shell. */
export function currentCommand(argv: readonly string[] = process.argv): string {
  const args = argv.slice(1);
  if (args[0] && /[\\/]cli[\\/]main\.(ts|js)$/.test(args[0])) args[0] = "care";
  return args.map(shellQuote).join(" ");
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./#-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function runProvenance(command: string = currentCommand()): RunProvenance {
  const pkg = carePackage();
  return { care_version: pkg.version, git_commit: gitCommit(pkg.root), command, node: process.version };
}

function sha256File(file: string): Promise<string> {
  return new Promise((ok, fail) => {
    const h = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => h.update(chunk))
      .on("error", fail)
      .on("end", () => ok(h.digest("hex")));
  });
}
