import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CareError } from "../core/errors.js";
import { withFileLock } from "../util/file-lock.js";
import { RepoCache } from "./cache.js";
import { HubClient, HubUnreachable } from "./client.js";
import { downloadBlob } from "./download.js";
import { firstFiles, moduleFiles, shardFiles, WEIGHTS, WEIGHTS_INDEX } from "./files.js";
import { formatHubRef, parseHubId, type HubRef } from "./id.js";
import { hubSettings, type HubSettings } from "./settings.js";

export interface PullOptions {
  /** Default: read from the environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE/HF_HOME, HF_HUB_OFFLINE). */
  settings?: HubSettings;
  retries?: number;
  backoffMs?: number;
  quiet?: boolean;
}

/**
 * The folder a `hf:` spec names. An existing local path always wins; otherwise a name shaped like
 * `<org>/<name>[@<revision>]` is a Hub id, pulled into the cache (or found there) and answered with its
 * snapshot folder. Anything else is returned as it is, for the checkpoint loader to refuse.
 */
export async function checkpointDir(path: string, options: PullOptions = {}): Promise<string> {
  if (existsSync(path)) return path;
  const ref = parseHubId(path);
  return ref ? pullModel(ref, options) : path;
}

/**
 * A checkpoint argument of a command that reads the folder itself (training): a folder, or a `hf:` spec
 * of a folder or a Hub id; the scheme may be left out, as on the sides of a `care:` pair.
 */
export function checkpointArg(arg: string, options: PullOptions = {}): Promise<string> {
  return checkpointDir(arg.startsWith("hf:") ? arg.slice("hf:".length) : arg, options);
}

/**
 * Brings the files a checkpoint needs of `ref` into the Hugging Face cache and returns the snapshot
 * folder. Files the snapshot already has are not asked for again, so a second run costs one request;
 * offline (HF_HUB_OFFLINE=1), or when the Hub cannot be reached, a complete cached snapshot is used.
 */
export async function pullModel(ref: HubRef, options: PullOptions = {}): Promise<string> {
  const settings = options.settings ?? hubSettings();
  const cache = new RepoCache(settings.cacheDir, ref.repo);
  const name = `hf:${formatHubRef(ref)}`;
  if (settings.offline) return cachedSnapshot(cache, ref, name, "HF_HUB_OFFLINE is set");
  const quiet = options.quiet ?? process.env.CARE_QUIET === "1";
  const client = new HubClient({
    endpoint: settings.endpoint,
    token: settings.token,
    retries: options.retries,
    backoffMs: options.backoffMs,
    quiet,
  });
  let listing: { commit: string; files: string[] };
  try {
    listing = await client.revision(ref);
  } catch (e) {
    if (!(e instanceof HubUnreachable)) throw e;
    const dir = cachedSnapshot(cache, ref, name, e.message);
    if (!quiet) process.stderr.write(`hub: ${e.message}; using the cached ${dir}\n`);
    return dir;
  }
  const { commit, files } = listing;
  if (!files.includes("config.json")) throw new CareError(`${name} (commit ${commit}) has no config.json`);
  if (!files.includes(WEIGHTS) && !files.includes(WEIGHTS_INDEX)) {
    const bin = files.find((f) => /^pytorch_model.*\.bin$/.test(f));
    throw new CareError(
      `${name} (commit ${commit}) has no ${WEIGHTS} or ${WEIGHTS_INDEX}` +
        (bin
          ? ` (${bin} is not read: a revision with safetensors, such as the Hub's conversion pull request ` +
            `hf:${ref.repo}@refs/pr/<n>, or a converted local folder will do)`
          : ""),
    );
  }
  const fetchAll = async (wanted: string[]) => {
    for (const file of wanted) {
      if (cache.has(commit, file)) continue;
      const info = await client.fileInfo(ref.repo, commit, file);
      const blob = cache.blob(info.etag);
      await withFileLock(blob, async () => {
        if (!(existsSync(blob) && statSync(blob).size === info.size)) {
          await downloadBlob(client, info, blob, `${ref.repo} ${file}`, quiet);
        }
      });
      cache.link(commit, file, info.etag);
    }
  };
  await fetchAll(firstFiles(files));
  const snapshot = cache.snapshot(commit);
  const later = moduleFiles(readJson(snapshot, "modules.json"), files);
  if (files.includes(WEIGHTS_INDEX)) {
    const shards = shardFiles(readJson(snapshot, WEIGHTS_INDEX));
    const missing = shards.filter((s) => !files.includes(s));
    if (missing.length || shards.length === 0) {
      throw new CareError(
        `${name}: the shard index lists ${shards.length ? `files the repository lacks: ${missing.join(", ")}` : "no shards"}`,
        join(snapshot, WEIGHTS_INDEX),
      );
    }
    later.push(...shards);
  }
  await fetchAll(later);
  cache.writeRef(ref.revision, commit);
  return snapshot;
}

/** A cached snapshot with its config and every weights file, or an error saying why there is none. */
function cachedSnapshot(cache: RepoCache, ref: HubRef, name: string, why: string): string {
  const commit = cache.commitOf(ref.revision);
  const fail = (what: string) =>
    new CareError(
      `${name}: ${why}, and ${what} in the cache ${cache.folder}; ` +
        `run "care models pull ${name}" where the Hub can be reached`,
    );
  if (!commit) throw fail(`revision "${ref.revision}" is not recorded`);
  const dir = cache.snapshot(commit);
  if (!cache.has(commit, "config.json")) throw fail(`snapshot ${commit} has no config.json`);
  const weights = cache.has(commit, WEIGHTS_INDEX) ? shardFiles(readJson(dir, WEIGHTS_INDEX)) : [WEIGHTS];
  const missing = weights.filter((w) => !cache.has(commit, w));
  if (missing.length) throw fail(`snapshot ${commit} lacks ${missing.join(", ")}`);
  return dir;
}

function readJson(dir: string, file: string): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CareError(`corrupt ${file}: ${(e as Error).message}`, path);
  }
}
