import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bashScript } from "../../src/cli/completion.js";
import { careProgram, main, reportError } from "../../src/cli/main.js";
import { colourFor } from "../../src/cli/output.js";

const root = mkdtempSync(join(tmpdir(), "care-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function care(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const VERSION = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

describe("care command-line conventions", () => {
  it("--version prints the package version", () => {
    const r = care(["--version"]);
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it("exits 2 on usage errors and 1 on failures, with the message on stderr", async () => {
    const status = async (args: string[]) => {
      try {
        await main(["node", "care", ...args]);
        return 0;
      } catch (e) {
        return reportError(e);
      }
    };
    expect(await status(["report", "x", "--no-such-option"])).toBe(2);
    expect(await status(["serve", "--index", "x", "--query", "y", "--port", "abc"])).toBe(2);
    expect(await status(["bench", "--tasks", "x"])).toBe(2);
    expect(await status(["no-such-command"])).toBe(2);
    expect(await status(["completion", "fish"])).toBe(1);
    // In a process: the status reaches the shell, and a failure writes nothing to stdout.
    const failed = care(["report", join(root, "nothing-here")]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^care: /);
    expect(failed.stdout).toBe("");
  });

  it("--json prints the result as one JSON document on stdout, progress and messages on stderr", () => {
    const out = join(root, "tiny");
    const r = care(["models", "make-tiny", "--family", "bert", "--out", out, "--json"]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { dir: string; config: { model_type: string }; card: object };
    expect(result).toMatchObject({ dir: out, config: { model_type: "bert" } });
  });

  it("care completion bash completes commands and their options", () => {
    writeFileSync(join(root, "care.bash"), bashScript(careProgram()));
    const complete = (...words: string[]) =>
      spawnSync(
        "bash",
        [
          "-c",
          `source ${join(root, "care.bash")}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _care; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: "utf8" },
      ).stdout.trim();
    expect(complete("care", "cu")).toBe("curate");
    expect(complete("care", "curate", "ju")).toBe("judge");
    expect(complete("care", "serve", "--max-")).toBe("--max-queue --max-batch");
    expect(complete("care", "bench", "--js")).toBe("--json");
  });

  it("colours only a terminal, and never with NO_COLOR", () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      expect(colourFor(tty)).toBe(process.env.TERM !== "dumb");
      expect(colourFor({ isTTY: false } as NodeJS.WriteStream)).toBe(false);
      process.env.NO_COLOR = "1";
      expect(colourFor(tty)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });
});
