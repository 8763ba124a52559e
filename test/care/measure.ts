/** How well a query encoder and a document encoder share a space, measured through the CARE embedder. */
import type { TaskHint } from "../../src/core/embedder.js";
import { openCareEmbedder } from "../../src/embed/load.js";

export interface PairScores {
  /** Mean squared difference between a text's query and document embeddings (matching texts only). */
  mse: number;
  /** Fraction of queries whose best-scoring document is `gold[i]`. */
  top1: number;
}

export async function pairScores(
  queryDir: string,
  docDir: string,
  queries: string[],
  docs: string[],
  gold: number[],
  task?: TaskHint,
): Promise<PairScores> {
  const e = await openCareEmbedder(queryDir, docDir);
  try {
    const q = await e.encodeQueries(queries, task);
    const d = await e.encodeCorpus(docs.map((text, i) => ({ id: String(i), text })));
    let mse = 0;
    let hits = 0;
    q.forEach((qv, i) => {
      const g = d[gold[i]];
      for (let k = 0; k < qv.length; k++) mse += (qv[k] - g[k]) ** 2 / qv.length / q.length;
      let best = -Infinity;
      let arg = -1;
      d.forEach((dv, j) => {
        let s = 0;
        for (let k = 0; k < dv.length; k++) s += qv[k] * dv[k];
        if (s > best) [best, arg] = [s, j];
      });
      if (arg === gold[i]) hits++;
    });
    return { mse, top1: hits / q.length };
  } finally {
    await e.close();
  }
}
