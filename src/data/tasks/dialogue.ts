import type { Doc } from "../../core/doc.js";
import type { Qrels } from "../../core/qrels.js";
import { type Query, DEFAULT_MAIN_SCORE } from "../../core/task.js";
import type { SkipLog } from "../../core/errors.js";
import { IdTable } from "../ids.js";
import { readMedicalDialogue, type Dialogue } from "../sources/medical-dialogue.js";
import { DIALOGUE_QUERY_FRACTION, isHeldOut, splitPoint } from "../splits.js";
import type { SourceTasks } from "../suite-task.js";

const SOURCE = "Toyhom Chinese-medical-dialogue-data, internal medicine sample (MIT)";
const INSTRUCTION = "给定患者的问诊标题和病情描述，检索能够回答该问诊的医生回复";

/** What a dialogue record contributes as a query: its title, then the patient's description if any. */
export function dialogueQueryText(d: Pick<Dialogue, "title" | "ask">): string {
  return d.ask ? `${d.title} ${d.ask}` : d.title;
}

/**
 * The held-out part of the dialogue CSV (see ./splits.ts) as retrieval: the corpus is every held-out
 * answer, the queries the held-out records below DIALOGUE_QUERY_FRACTION; each query's relevant
 * document is its own answer. Exact duplicate records are merged.
 */
export async function dialogueTasks(file: string, skips: SkipLog): Promise<SourceTasks> {
  const qIds = new IdTable("q");
  const aIds = new IdTable("a");
  const corpus: Doc[] = [];
  const queries: Query[] = [];
  const qrels: Qrels = new Map();
  const corpusIds = new Set<string>();
  const seen = new Set<string>();
  let rows = 0;
  let duplicates = 0;
  let heldOut = 0;
  for await (const d of readMedicalDialogue(file, skips)) {
    rows++;
    const recordKey = JSON.stringify([d.title, d.ask, d.answer]);
    if (seen.has(recordKey)) {
      duplicates++;
      continue;
    }
    seen.add(recordKey);
    if (!isHeldOut("medical-dialogue", d.answer)) continue;
    heldOut++;
    const aid = aIds.id(d.answer);
    if (!corpusIds.has(aid)) {
      corpusIds.add(aid);
      corpus.push({ id: aid, text: d.answer });
    }
    if (splitPoint("medical-dialogue", d.answer) >= DIALOGUE_QUERY_FRACTION) continue;
    const text = dialogueQueryText(d);
    const qid = qIds.id(text);
    let rel = qrels.get(qid);
    if (!rel) {
      queries.push({ id: qid, text });
      qrels.set(qid, (rel = new Map()));
    }
    rel.set(aid, 1);
  }
  return {
    tasks: [
      {
        meta: {
          name: "MedicalDialogue-Retrieval",
          type: "retrieval",
          split: "dev",
          main_score: DEFAULT_MAIN_SCORE.retrieval,
          query_instruction: INSTRUCTION,
          source: SOURCE,
          description:
            "Patient question (title and description) to the doctor's answer, over the answers of a deterministic held-out part of the internal-medicine dialogues.",
        },
        data: { corpus, queries, qrels },
      },
    ],
    notes: {
      "MedicalDialogue-Retrieval": `${rows} records, ${duplicates} exact duplicates merged, ${heldOut} held out for evaluation`,
    },
  };
}
