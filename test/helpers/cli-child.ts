import { spawn, type ChildProcess } from "node:child_process";

/**
 * Runs the `care` CLI from source in a child process (so a test can SIGKILL it mid-run), collecting
 * stdout and stderr together.
 */
export function runCliChild(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string }>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: process.cwd(),
    env: { ...process.env, CARE_QUIET: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, out })),
  );
  return { child, done };
}
