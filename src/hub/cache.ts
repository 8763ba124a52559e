import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { COMMIT } from "./id.js";

/**
 * The Hugging Face cache layout, shared with the Python tools so either fills it for the other:
 * `models--<org>--<name>/blobs/<etag>` holds each file's bytes once, `snapshots/<commit>/<path>` is a
 * relative symlink to its blob, and `refs/<revision>` holds the commit a branch or tag pointed at.
 */
export class RepoCache {
  readonly folder: string;

  constructor(cacheDir: string, repo: string) {
    this.folder = join(cacheDir, `models--${repo.replace("/", "--")}`);
  }

  /** The commit a revision names: itself when it is a commit hash, else what refs/ recorded. */
  commitOf(revision: string): string | undefined {
    if (COMMIT.test(revision)) return revision;
    const ref = join(this.folder, "refs", revision);
    return existsSync(ref) ? readFileSync(ref, "utf8").trim() : undefined;
  }

  writeRef(revision: string, commit: string): void {
    if (revision !== commit) writeFileAtomic(join(this.folder, "refs", revision), commit);
  }

  snapshot(commit: string): string {
    return join(this.folder, "snapshots", commit);
  }

  /** The file as the snapshot shows it, if its blob is there (a dangling link counts as missing). */
  has(commit: string, file: string): boolean {
    return existsSync(join(this.snapshot(commit), file));
  }

  blob(etag: string): string {
    return join(this.folder, "blobs", etag);
  }

  /** Points `snapshots/<commit>/<file>` at the blob; copies where the filesystem refuses symlinks. */
  link(commit: string, file: string, etag: string): void {
    const target = join(this.snapshot(commit), file);
    mkdirSync(dirname(target), { recursive: true });
    if (lstatOrUndefined(target)) rmSync(target);
    try {
      symlinkSync(relative(dirname(target), this.blob(etag)), target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // EEXIST: a concurrent pull of the same snapshot linked it a moment ago.
      if (code === "EEXIST") return;
      if (code !== "EPERM") throw e;
      copyFileSync(this.blob(etag), target);
    }
  }
}

function lstatOrUndefined(file: string) {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}
