import type { SkipLog } from "../../core/errors.js";
import { readDelimited } from "../delimited.js";
import { takeFields, takeLabel } from "./row.js";

/** A labelled question pair: ChineseBLUE cMedQQ, KUAKE-QQR, Tianchi. */
export interface QuestionPair {
  line: number;
  query1: string;
  query2: string;
  label: number;
}

/** cMedQQ `label\tq1\tq2`, label 1 when the two questions mean the same. Plain TSV, no quoting. */
export async function* readCMedQQ(file: string, skips: SkipLog): AsyncGenerator<QuestionPair> {
  for await (const rec of readDelimited(file, { delimiter: "\t", quoted: false }, skips)) {
    const f = takeFields(file, rec, 3, [1, 2], skips);
    if (!f) continue;
    const label = takeLabel(file, rec.line, f[0], [0, 1], skips);
    if (label === undefined) continue;
    yield { line: rec.line, query1: f[1], query2: f[2], label };
  }
}
