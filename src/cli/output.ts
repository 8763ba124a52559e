/**
 * Where a command's output goes, decided once for the whole CLI: results on stdout (as one JSON
 * document under `--json`), messages and progress on stderr, colour only on a terminal and never
 * with NO_COLOR set.
 */

let json = false;

/** Set by main() from the global `--json` flag before a command runs. */
export function setJsonOutput(on: boolean): void {
  json = on;
}

/**
 * A command's result: `value` as JSON under `--json`, else `text` (a line or lines for people).
 * Call it once per command, last.
 */
export function printResult(value: unknown, text: string): void {
  process.stdout.write(
    json ? `${JSON.stringify(value, null, 2)}\n` : text.endsWith("\n") ? text : `${text}\n`,
  );
}

/** A status line for people: stdout normally, stderr under `--json` so that stdout stays one document. */
export function say(line: string): void {
  (json ? process.stderr : process.stdout).write(`${line}\n`);
}

/** Whether to colour what goes to a stream (https://no-color.org). */
export function colourFor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}
