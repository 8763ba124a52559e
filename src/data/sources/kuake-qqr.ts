import type { SkipLog } from "../../core/errors.js";
import { readJsonArray } from "../json-array.js";
import type { QuestionPair } from "./cmedqq.js";
import { takeLabel } from "./row.js";

export interface KuakePair extends QuestionPair {
  id: string;
}

/**
 * CBLUE KUAKE-QQR: one JSON array of `{"id","query1","query2","label"}`, label "0".."2" graded
 * (2: query2 means the same as query1 or more; 1: narrower; 0: different). Bad elements are reported
 * with the line they start on.
 */
export function readKuakeQQR(file: string, skips: SkipLog): KuakePair[] {
  const out: KuakePair[] = [];
  for (const el of readJsonArray(file)) {
    if ("error" in el) {
      skips.add(file, el.line, el.error);
      continue;
    }
    const v = el.value as Record<string, unknown>;
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      skips.add(file, el.line, "element is not an object");
      continue;
    }
    const bad = ["id", "query1", "query2", "label"].find((k) => typeof v[k] !== "string");
    if (bad) {
      skips.add(file, el.line, `field "${bad}" missing or not a string`);
      continue;
    }
    const query1 = (v.query1 as string).trim();
    const query2 = (v.query2 as string).trim();
    if (!query1 || !query2) {
      skips.add(file, el.line, "empty query");
      continue;
    }
    const label = takeLabel(file, el.line, (v.label as string).trim(), [0, 1, 2], skips);
    if (label === undefined) continue;
    out.push({ line: el.line, id: v.id as string, query1, query2, label });
  }
  return out;
}
