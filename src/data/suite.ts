import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CareError, SkipLog } from "../core/errors.js";
import { TextSet } from "./splits.js";
import type { SourceTasks, SuiteTask } from "./suite-task.js";
import { cmedirTasks } from "./tasks/cmedir.js";
import { cmedqaTasks } from "./tasks/cmedqa.js";
import { cmedtcTasks } from "./tasks/cmedtc.js";
import { dialogueTasks } from "./tasks/dialogue.js";
import { cmedqqTasks, kuakeTasks, tianchiTasks } from "./tasks/sts.js";

/** The source files CMedTEB-lite is built from, relative to the data folder, and who reads each. */
export const SUITE_SOURCES: readonly {
  file: string;
  build: (file: string, skips: SkipLog) => Promise<SourceTasks>;
}[] = [
  { file: "chinese-blue/cMedQA/dev.txt", build: cmedqaTasks },
  { file: "medical-dialogue/internal-medicine-sample.csv", build: dialogueTasks },
  { file: "chinese-blue/cMedIR/dev.json", build: cmedirTasks },
  { file: "chinese-blue/cMedQQ/dev.txt", build: cmedqqTasks },
  { file: "kuake-qqr/train.json", build: kuakeTasks },
  { file: "tianchi-covid-pairs/train.csv", build: tianchiTasks },
  { file: "chinese-blue/cMedTC/dev.txt", build: cmedtcTasks },
];

export interface AssembledSuite {
  tasks: SuiteTask[];
  notes: Record<string, string>;
  skips: SkipLog;
}

/** Throws, naming every missing file and where it was looked for, unless all sources are under `from`. */
export function checkSuiteSources(from: string): void {
  const root = resolve(from);
  const missing = SUITE_SOURCES.map((s) => s.file).filter((f) => !existsSync(join(root, f)));
  if (missing.length === 0) return;
  throw new CareError(
    [
      `CMedTEB-lite is built from public Chinese medical data sets; ${missing.length} of the ${SUITE_SOURCES.length} files it needs are missing under ${root}:`,
      ...missing.map((f) => `  ${join(root, f)}`),
      "Put the data folder there (see its README.md: ChineseBLUE cMedQA/cMedIR/cMedQQ/cMedTC, CBLUE KUAKE-QQR,",
      "Tianchi COVID question pairs, Toyhom medical dialogue) or pass --from <dir>.",
    ].join("\n"),
  );
}

/** Reads every source and builds the suite's tasks in memory, in a fixed order. */
export async function assembleSuite(from: string): Promise<AssembledSuite> {
  checkSuiteSources(from);
  const skips = new SkipLog();
  const tasks: SuiteTask[] = [];
  const notes: Record<string, string> = {};
  for (const s of SUITE_SOURCES) {
    const r = await s.build(join(resolve(from), s.file), skips);
    tasks.push(...r.tasks);
    Object.assign(notes, r.notes);
  }
  return { tasks, notes, skips };
}

/**
 * Every text the suite shows a model (queries, documents, STS sentences, clustering items). Training-set
 * builders drop any record that touches this set, so no evaluation text is trained on.
 */
export function suiteTextSet(tasks: readonly SuiteTask[]): TextSet {
  const set = new TextSet();
  for (const t of tasks) {
    if ("data" in t) {
      for (const q of t.data.queries) set.add(q.text);
      for (const d of t.data.corpus) {
        set.add(d.text);
        if (d.title) set.add(d.title);
      }
    } else if ("pairs" in t) {
      for (const p of t.pairs) {
        set.add(p.sentence1);
        set.add(p.sentence2);
      }
    } else {
      for (const i of t.items) set.add(i.text);
    }
  }
  return set;
}
