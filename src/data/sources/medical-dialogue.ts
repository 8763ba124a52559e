import type { SkipLog } from "../../core/errors.js";
import { readHeadedCsv, takeFields } from "./row.js";

/** One patient question and the doctor's answer (Toyhom Chinese-medical-dialogue-data). */
export interface Dialogue {
  line: number;
  department: string;
  title: string;
  /** The patient's description; empty where the source wrote the placeholder 无 ("none"). */
  ask: string;
  answer: string;
}

const HEADER = ["department", "title", "ask", "answer"] as const;

/**
 * The dialogue CSV `department,title,ask,answer`: quoted fields span lines, so a record's line is the
 * line it starts on. The companion internal-medicine.txt holds a subset of the same records (every
 * block's title is in the CSV), so only the CSV is read.
 */
export async function* readMedicalDialogue(file: string, skips: SkipLog): AsyncGenerator<Dialogue> {
  for await (const rec of readHeadedCsv(file, HEADER, skips)) {
    const f = takeFields(file, rec, 4, [1, 3], skips);
    if (!f) continue;
    yield { line: rec.line, department: f[0], title: f[1], ask: f[2] === "无" ? "" : f[2], answer: f[3] };
  }
}
