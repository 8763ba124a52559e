import type { SkipLog } from "../../core/errors.js";
import type { QuestionPair } from "./cmedqq.js";
import { readHeadedCsv, takeFields, takeLabel } from "./row.js";

export interface TianchiPair extends QuestionPair {
  /** The disease the questions are about (感冒, 肺炎, ...). */
  category: string;
}

const HEADER = ["category", "query1", "query2", "label"] as const;

/**
 * Tianchi 2020 COVID similar-question pairs, CSV `category,query1,query2,label` with a header and CRLF
 * line ends; a few rows have an empty label and are reported with their line.
 */
export async function* readTianchi(file: string, skips: SkipLog): AsyncGenerator<TianchiPair> {
  for await (const rec of readHeadedCsv(file, HEADER, skips)) {
    const f = takeFields(file, rec, 4, [1, 2], skips);
    if (!f) continue;
    const label = takeLabel(file, rec.line, f[3], [0, 1], skips);
    if (label === undefined) continue;
    yield { line: rec.line, category: f[0], query1: f[1], query2: f[2], label };
  }
}
