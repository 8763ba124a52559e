import type { SkipLog } from "../../core/errors.js";
import { readDelimited } from "../delimited.js";
import { takeFields, takeLabel } from "./row.js";

/** One judged question–answer pair of ChineseBLUE cMedQA (`label\tquestion\tanswer`). */
export interface QaPair {
  line: number;
  /** 1: the answer answers the question; 0: an answer to another question. */
  label: number;
  question: string;
  answer: string;
}

/**
 * cMedQA dev.txt: TSV whose question and answer fields may be CSV-quoted (a quoted field doubles its
 * inner quotes), so it is read with RFC 4180 quoting on a tab delimiter.
 */
export async function* readCMedQA(file: string, skips: SkipLog): AsyncGenerator<QaPair> {
  for await (const rec of readDelimited(file, { delimiter: "\t", quoted: true }, skips)) {
    const f = takeFields(file, rec, 3, [1, 2], skips);
    if (!f) continue;
    const label = takeLabel(file, rec.line, f[0], [0, 1], skips);
    if (label === undefined) continue;
    yield { line: rec.line, label, question: f[1], answer: f[2] };
  }
}
