import { existsSync, readFileSync } from "node:fs";
import { CareError } from "../core/errors.js";

/** An element of a top-level JSON array: its value, or why it could not be parsed; and its start line. */
export type ArrayElement = { line: number; value: unknown } | { line: number; error: string };

/**
 * The elements of a file holding one JSON array (KUAKE-QQR), each with the line it starts on, so a bad
 * element is reported by line and the others still load. Elements are cut at top-level commas by a
 * scanner that knows strings and nesting; each slice is parsed on its own. The file is read whole:
 * such files are a few MB (CBLUE ships them this way).
 */
export function readJsonArray(file: string): ArrayElement[] {
  if (!existsSync(file)) throw new CareError("file not found", file);
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  const out: ArrayElement[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && /\s/.test(text[i])) {
      if (text[i] === "\n") line++;
      i++;
    }
  };
  skipSpace();
  if (text[i] !== "[") throw new CareError("expected a JSON array", file, line);
  i++;
  for (;;) {
    skipSpace();
    if (i >= n) throw new CareError("the array is not closed", file, line);
    if (text[i] === "]") break;
    const start = i;
    const startLine = line;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (c === "\n") line++;
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        if (depth === 0) break;
        depth--;
      } else if (c === "," && depth === 0) break;
    }
    if (i >= n) throw new CareError("the array is not closed", file, startLine);
    const slice = text.slice(start, i);
    try {
      out.push({ line: startLine, value: JSON.parse(slice) });
    } catch (e) {
      out.push({ line: startLine, error: `malformed JSON element: ${(e as Error).message}` });
    }
    if (text[i] === ",") i++;
    else if (text[i] === "}") throw new CareError(`unbalanced "}"`, file, line);
  }
  return out;
}
