import type { SkipLog } from "../../core/errors.js";
import { readDelimited } from "../delimited.js";
import { takeFields } from "./row.js";

/** One clinical-trial eligibility criterion and its category (ChineseBLUE cMedTC, CHIP-CTC). */
export interface Criterion {
  line: number;
  category: string;
  text: string;
}

/**
 * cMedTC `category\ttext`, plain TSV (quotes inside the text are literal) with CRLF line ends. The
 * texts carry HTML entities from the source web pages (`&gt;`, `&#32;`); they are decoded so that
 * models see the characters, not the markup.
 */
export async function* readCMedTC(file: string, skips: SkipLog): AsyncGenerator<Criterion> {
  for await (const rec of readDelimited(file, { delimiter: "\t", quoted: false }, skips)) {
    const f = takeFields(file, rec, 2, [0, 1], skips);
    if (!f) continue;
    const text = decodeEntities(f[1]).trim();
    if (text === "") {
      skips.add(file, rec.line, "text is empty after decoding");
      continue;
    }
    yield { line: rec.line, category: f[0], text };
  }
}

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: " " };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, body: string) => {
    if (body[0] === "#") {
      const code =
        body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED[body] ?? m;
  });
}
