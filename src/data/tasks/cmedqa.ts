import type { Doc } from "../../core/doc.js";
import type { Qrels } from "../../core/qrels.js";
import { type Query, DEFAULT_MAIN_SCORE } from "../../core/task.js";
import type { SkipLog } from "../../core/errors.js";
import { IdTable } from "../ids.js";
import { readCMedQA } from "../sources/cmedqa.js";
import type { SourceTasks } from "../suite-task.js";

const SOURCE = "ChineseBLUE cMedQA dev (from cMedQA2; non-commercial research use)";
const INSTRUCTION = "给定一个医疗健康问题，检索能够回答该问题的医生回复";

/**
 * cMedQA dev as two tasks. Retrieval: each question that has a correct answer, over every distinct
 * answer in the file. Reranking: the same questions over their own candidate lists (label 1 relevant,
 * label 0 judged non-relevant). Questions without a correct answer are left out: every metric drops them.
 */
export async function cmedqaTasks(file: string, skips: SkipLog): Promise<SourceTasks> {
  const qIds = new IdTable("q");
  const aIds = new IdTable("a");
  const corpus: Doc[] = [];
  const seenAnswers = new Set<string>();
  const questions = new Map<string, Query>();
  const judged = new Map<string, Map<string, number>>();
  let rows = 0;
  let repeated = 0;
  for await (const r of readCMedQA(file, skips)) {
    rows++;
    const qid = qIds.id(r.question);
    const aid = aIds.id(r.answer);
    if (!seenAnswers.has(aid)) {
      seenAnswers.add(aid);
      corpus.push({ id: aid, text: r.answer });
    }
    if (!questions.has(qid)) questions.set(qid, { id: qid, text: r.question });
    let j = judged.get(qid);
    if (!j) judged.set(qid, (j = new Map()));
    const prev = j.get(aid);
    if (prev !== undefined) repeated++;
    j.set(aid, Math.max(prev ?? 0, r.label));
  }
  const kept = [...questions.values()].filter((q) => [...judged.get(q.id)!.values()].some((l) => l > 0));
  const retrievalQrels: Qrels = new Map();
  const rerankQrels: Qrels = new Map();
  const candidates = new Map<string, string[]>();
  for (const q of kept) {
    const j = judged.get(q.id)!;
    retrievalQrels.set(q.id, new Map([...j].filter(([, l]) => l > 0)));
    rerankQrels.set(q.id, new Map(j));
    candidates.set(q.id, [...j.keys()]);
  }
  const nCandidates = [...candidates.values()].reduce((s, c) => s + c.length, 0);
  const candidateIds = new Set([...candidates.values()].flat());
  const rerankCorpus = corpus.filter((d) => candidateIds.has(d.id));
  const note = `${rows} rows, ${questions.size} questions, ${kept.length} with a correct answer kept${
    repeated ? `, ${repeated} repeated pairs merged` : ""
  }`;
  return {
    tasks: [
      {
        meta: {
          name: "CMedQA-Retrieval",
          type: "retrieval",
          split: "dev",
          main_score: DEFAULT_MAIN_SCORE.retrieval,
          query_instruction: INSTRUCTION,
          source: SOURCE,
          description:
            "Patient questions over all distinct doctor answers of cMedQA dev; relevant: the answers labelled 1 for the question.",
        },
        data: { corpus, queries: kept, qrels: retrievalQrels },
      },
      {
        meta: {
          name: "CMedQA-Reranking",
          type: "reranking",
          split: "dev",
          main_score: DEFAULT_MAIN_SCORE.reranking,
          query_instruction: INSTRUCTION,
          source: SOURCE,
          description: `Each question's candidate answers in cMedQA dev (${nCandidates} candidates), label 1 relevant.`,
        },
        data: { corpus: rerankCorpus, queries: kept, qrels: rerankQrels, candidates },
      },
    ],
    notes: { "CMedQA-Retrieval": note, "CMedQA-Reranking": note },
  };
}
