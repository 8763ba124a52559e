import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The step of the last checkpoint a training run wrote into `out` (0 before the first). */
export function latestCheckpoint(out: string): number {
  try {
    return (JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as { step: number }).step;
  } catch {
    return 0;
  }
}

/**
 * Waits until the training child has checkpointed at least `step` (or `timeoutMs` passed), kills it
 * with SIGKILL and waits for it to exit; returns the step of the last checkpoint it left.
 */
export async function killAtCheckpoint(
  child: ChildProcess,
  out: string,
  step: number,
  timeoutMs: number,
): Promise<number> {
  const exited = new Promise<void>((res) => child.on("exit", () => res()));
  const deadline = Date.now() + timeoutMs;
  while (latestCheckpoint(out) < step && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill("SIGKILL");
  await exited;
  return latestCheckpoint(out);
}
