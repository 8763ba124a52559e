import { join, resolve } from "node:path";
import { AtomicJsonlWriter } from "../util/jsonl-writer.js";
import { RETRIEVAL_TYPE, STS_TYPE, type Stage2Row } from "./records.js";
import { writeStage1 } from "./self-pairs.js";
import { writeFileAtomic } from "../util/atomic.js";
import { SkipLog } from "../core/errors.js";
import { readCMedQQ, type QuestionPair } from "../data/sources/cmedqq.js";
import { readKuakeQQR } from "../data/sources/kuake-qqr.js";
import { readMedicalDialogue } from "../data/sources/medical-dialogue.js";
import { readTianchi } from "../data/sources/tianchi.js";
import { isHeldOut, overlapKey, type TextSet } from "../data/splits.js";
import { assembleSuite, suiteTextSet } from "../data/suite.js";
import { dialogueQueryText } from "../data/tasks/dialogue.js";

export interface BuildTrainOptions {
  /** The data folder (../shared/data layout). */
  from: string;
  /** Where stage1.jsonl, stage2.jsonl and counts.json go. */
  out: string;
}

export interface TrainSourceCounts {
  source: string;
  type: string;
  /** Labelled pairs or dialogue records read (parsable rows). */
  read: number;
  /** Left out because the deterministic split holds them out for evaluation. */
  held_out: number;
  /** Stage-II rows written. */
  rows: number;
  negatives: number;
  /** Rows dropped because their query or positive is a text of the evaluation suite. */
  overlap_rows: number;
  /** Negatives dropped (the row kept) because the text is in the evaluation suite. */
  overlap_negatives: number;
  /** Pairs or records repeating an earlier one, and pairs whose two sides are the same text. */
  duplicates: number;
  trivial: number;
}

export interface TrainSummary {
  out: string;
  sources: TrainSourceCounts[];
  stage2_rows: number;
  stage1_texts: number;
  /** Distinct (normalised) texts of the CMedTEB-lite suite that training may not contain. */
  suite_texts: number;
  skipped: { file: string; line: number; reason: string }[];
  duration_s: number;
}

/** The training sources, the suite task whose instruction each uses, and which part of each is train. */
const TRAIN_FILES = {
  cmedqq: "chinese-blue/cMedQQ/train.txt",
  kuake: "kuake-qqr/train.json",
  tianchi: "tianchi-covid-pairs/train.csv",
  dialogue: "medical-dialogue/internal-medicine-sample.csv",
} as const;

function newCounts(source: string, type: string): TrainSourceCounts {
  return {
    source,
    type,
    read: 0,
    held_out: 0,
    rows: 0,
    negatives: 0,
    overlap_rows: 0,
    overlap_negatives: 0,
    duplicates: 0,
    trivial: 0,
  };
}

/**
 * Question pairs to stage-II rows: one row per positive pair (label ≥ 1: the binary sets' 1, and
 * KUAKE-QQR's 1 and 2), with the query's label-0 partners as hard negatives — the same question
 * judged different by the annotators is the hardest negative there is. Rows whose query or positive
 * is a suite text are dropped; a negative that is a suite text is dropped from its row.
 */
export function pairsToRows(
  pairs: Iterable<QuestionPair>,
  suite: TextSet,
  prompt: string,
  c: TrainSourceCounts,
): Stage2Row[] {
  const groups = new Map<string, { query: string; pos: string[]; neg: string[]; seen: Set<string> }>();
  for (const p of pairs) {
    const key = overlapKey(p.query1);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { query: p.query1, pos: [], neg: [], seen: new Set() }));
    const k2 = overlapKey(p.query2);
    if (k2 === key) {
      c.trivial++;
      continue;
    }
    if (g.seen.has(k2)) {
      c.duplicates++;
      continue;
    }
    g.seen.add(k2);
    (p.label >= 1 ? g.pos : g.neg).push(p.query2);
  }
  const rows: Stage2Row[] = [];
  for (const g of groups.values()) {
    const neg = g.neg.filter((t) => !suite.has(t));
    for (const pos of g.pos) {
      if (suite.has(g.query) || suite.has(pos)) {
        c.overlap_rows++;
        continue;
      }
      c.overlap_negatives += g.neg.length - neg.length;
      rows.push({ query: g.query, pos: [pos], neg, prompt, type: STS_TYPE });
      c.rows++;
      c.negatives += neg.length;
    }
  }
  return rows;
}

function instructionOf(tasks: Awaited<ReturnType<typeof assembleSuite>>["tasks"], name: string): string {
  const inst = tasks.find((t) => t.meta.name === name)?.meta.query_instruction;
  if (!inst) throw new Error(`build-train: the suite has no task ${name} with an instruction`);
  return inst;
}

/**
 * `care data build-train`: stage-II and stage-I training sets from the parts of the data folder that
 * CMedTEB-lite does not evaluate on — cMedQQ train, KUAKE-QQR and Tianchi outside the held-out split,
 * and the medical dialogues outside the evaluation part — with the suite's own instructions as `prompt`
 * (a model then trains with the instruction it is evaluated with). Every text the suite shows a model
 * is collected first (compared by overlapKey: NFKC, case and whitespace folded), and no training text
 * may be one of them. Stage I is every distinct text of stage II, paired with itself.
 */
export async function buildTrain(o: BuildTrainOptions): Promise<TrainSummary> {
  const start = Date.now();
  const from = resolve(o.from);
  const out = resolve(o.out);
  const suite = await assembleSuite(from);
  const suiteTexts = suiteTextSet(suite.tasks);
  const skips = new SkipLog();
  const sources: TrainSourceCounts[] = [];
  const stage2File = join(out, "stage2.jsonl");
  const w = new AtomicJsonlWriter(stage2File);
  try {
    const cmedqq = newCounts("cMedQQ train", STS_TYPE);
    const qq: QuestionPair[] = [];
    for await (const p of readCMedQQ(join(from, TRAIN_FILES.cmedqq), skips)) {
      cmedqq.read++;
      qq.push(p);
    }
    for (const r of pairsToRows(qq, suiteTexts, instructionOf(suite.tasks, "CMedQQ-STS"), cmedqq)) w.write(r);
    sources.push(cmedqq);

    const kuake = newCounts("KUAKE-QQR train (outside the held-out split)", STS_TYPE);
    const kq = readKuakeQQR(join(from, TRAIN_FILES.kuake), skips).filter((p) => {
      kuake.read++;
      if (!isHeldOut("kuake-qqr", p.query1)) return true;
      kuake.held_out++;
      return false;
    });
    for (const r of pairsToRows(kq, suiteTexts, instructionOf(suite.tasks, "KUAKE-QQR-STS"), kuake))
      w.write(r);
    sources.push(kuake);

    const tianchi = newCounts("Tianchi COVID pairs (outside the held-out split)", STS_TYPE);
    const tp: QuestionPair[] = [];
    for await (const p of readTianchi(join(from, TRAIN_FILES.tianchi), skips)) {
      tianchi.read++;
      if (isHeldOut("tianchi", p.query1)) tianchi.held_out++;
      else tp.push(p);
    }
    for (const r of pairsToRows(tp, suiteTexts, instructionOf(suite.tasks, "Tianchi-STS"), tianchi))
      w.write(r);
    sources.push(tianchi);

    const dialogue = newCounts("medical dialogue (outside the evaluation part)", RETRIEVAL_TYPE);
    const prompt = instructionOf(suite.tasks, "MedicalDialogue-Retrieval");
    const seen = new Set<string>();
    for await (const d of readMedicalDialogue(join(from, TRAIN_FILES.dialogue), skips)) {
      dialogue.read++;
      const query = dialogueQueryText(d);
      const key = JSON.stringify([overlapKey(query), overlapKey(d.answer)]);
      if (seen.has(key)) {
        dialogue.duplicates++;
        continue;
      }
      seen.add(key);
      if (isHeldOut("medical-dialogue", d.answer)) {
        dialogue.held_out++;
        continue;
      }
      if (suiteTexts.has(query) || suiteTexts.has(d.answer)) {
        dialogue.overlap_rows++;
        continue;
      }
      w.write({ query, pos: [d.answer], neg: [], prompt, type: RETRIEVAL_TYPE } satisfies Stage2Row);
      dialogue.rows++;
    }
    sources.push(dialogue);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
  const stage1 = await writeStage1(stage2File, join(out, "stage1.jsonl"));
  const summary: TrainSummary = {
    out,
    sources,
    stage2_rows: w.count,
    stage1_texts: stage1,
    suite_texts: suiteTexts.size,
    skipped: skips.entries,
    duration_s: (Date.now() - start) / 1000,
  };
  writeFileAtomic(join(out, "counts.json"), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

/** The summary as the CLI prints it: one line per source, totals, then the skipped rows. */
export function formatTrainSummary(s: TrainSummary, maxSkips = 10): string {
  const lines = [`training sets in ${s.out} (${s.duration_s.toFixed(1)}s)`];
  for (const c of s.sources) {
    lines.push(
      `  ${c.source}: ${c.read} read, ${c.held_out} held out, ${c.rows} rows (${c.type}), ${c.negatives} negatives; ` +
        `dropped for suite overlap: ${c.overlap_rows} rows, ${c.overlap_negatives} negatives; ` +
        `${c.duplicates} duplicates, ${c.trivial} self-pairs`,
    );
  }
  lines.push(`stage2.jsonl: ${s.stage2_rows} rows; stage1.jsonl: ${s.stage1_texts} texts`);
  lines.push(`no text of the ${s.suite_texts} distinct CMedTEB-lite texts is in either`);
  lines.push(`skipped rows: ${s.skipped.length}`);
  for (const e of s.skipped.slice(0, maxSkips)) lines.push(`  ${e.file}:${e.line}: ${e.reason}`);
  if (s.skipped.length > maxSkips) lines.push(`  ... and ${s.skipped.length - maxSkips} more`);
  return lines.join("\n");
}
