import { type ClusterItem, DEFAULT_MAIN_SCORE } from "../../core/task.js";
import type { SkipLog } from "../../core/errors.js";
import { readCMedTC } from "../sources/cmedtc.js";
import type { SourceTasks } from "../suite-task.js";

/** cMedTC dev as clustering: eligibility criteria grouped by their category. */
export async function cmedtcTasks(file: string, skips: SkipLog): Promise<SourceTasks> {
  const items: ClusterItem[] = [];
  for await (const c of readCMedTC(file, skips)) items.push({ text: c.text, label: c.category });
  const labels = new Set(items.map((i) => i.label)).size;
  return {
    tasks: [
      {
        meta: {
          name: "CMedTC-Clustering",
          type: "clustering",
          split: "dev",
          main_score: DEFAULT_MAIN_SCORE.clustering,
          query_instruction: "根据临床试验筛选标准的内容判断其所属类别",
          source: "ChineseBLUE cMedTC dev (CHIP-CTC; Apache-2.0)",
          description: "Clinical-trial eligibility criteria, clustered by their category.",
        },
        items,
      },
    ],
    notes: { "CMedTC-Clustering": `${items.length} criteria in ${labels} categories` },
  };
}
