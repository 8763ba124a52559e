import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Runs `fn` while holding `<file>.lock`, a file holding the owner's process id, created exclusively.
 * A lock whose process is gone (a killed run) is taken over; one held by a live process, this one
 * included, is waited for. Enough to keep two pulls of one model from writing the same download.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, pollMs = 200): Promise<T> {
  const lock = `${file}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (!alive(ownerOf(lock))) rmSync(lock, { force: true });
    else await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function ownerOf(lock: string): number {
  try {
    return Number(readFileSync(lock, "utf8"));
  } catch {
    return NaN;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
