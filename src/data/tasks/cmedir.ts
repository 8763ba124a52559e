import type { Doc } from "../../core/doc.js";
import type { Qrels } from "../../core/qrels.js";
import { type Query, DEFAULT_MAIN_SCORE } from "../../core/task.js";
import type { SkipLog } from "../../core/errors.js";
import { IdTable } from "../ids.js";
import { loadCMedIR } from "../sources/cmedir.js";
import type { SourceTasks } from "../suite-task.js";

const SOURCE = "ChineseBLUE cMedIR dev (Apache-2.0)";
const INSTRUCTION = "给定一个医疗健康搜索查询，检索与之相关的网页标题";

/**
 * cMedIR dev after merging its repeated lines. Retrieval: every query over the pooled page titles (one
 * document per URL), graded qrels 0..4. Reranking: each query over its own judged pages.
 */
export async function cmedirTasks(file: string, skips: SkipLog): Promise<SourceTasks> {
  const data = await loadCMedIR(file, skips);
  const qIds = new IdTable("q");
  const dIds = new IdTable("d");
  const docId = new Map<string, string>();
  const corpus: Doc[] = [];
  for (const [url, title] of data.titles) {
    const id = dIds.id(url);
    docId.set(url, id);
    corpus.push({ id, text: title });
  }
  const queries: Query[] = [];
  const qrels: Qrels = new Map();
  const candidates = new Map<string, string[]>();
  let judgements = 0;
  for (const [query, pages] of data.judgements) {
    const id = qIds.id(query);
    queries.push({ id, text: query });
    const q = new Map<string, number>();
    for (const [url, label] of pages) q.set(docId.get(url)!, label);
    qrels.set(id, q);
    candidates.set(id, [...q.keys()]);
    judgements += q.size;
  }
  const note = `${data.lines} lines, ${queries.length} distinct queries, ${corpus.length} pages, ${judgements} judgements (${data.repeated} repeated judgements merged)`;
  const base = { split: "dev", query_instruction: INSTRUCTION, source: SOURCE } as const;
  return {
    tasks: [
      {
        meta: {
          ...base,
          name: "CMedIR-Retrieval",
          type: "retrieval",
          main_score: DEFAULT_MAIN_SCORE.retrieval,
          description:
            "Medical search queries over all judged web-page titles of cMedIR dev, graded relevance 0-4.",
        },
        data: { corpus, queries, qrels },
      },
      {
        meta: {
          ...base,
          name: "CMedIR-Reranking",
          type: "reranking",
          main_score: DEFAULT_MAIN_SCORE.reranking,
          description: "Each cMedIR dev query over its own judged web-page titles, graded relevance 0-4.",
        },
        data: { corpus, queries, qrels, candidates },
      },
    ],
    notes: { "CMedIR-Retrieval": note, "CMedIR-Reranking": note },
  };
}
