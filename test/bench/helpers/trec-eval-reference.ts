import { readFileSync } from "node:fs";

/**
 * An independent re-implementation of the three trec_eval measures the harness is checked against,
 * written from trec_eval's definitions (form_res_rels.c, m_ndcg_cut.c, m_map_cut.c, m_recall.c) and
 * reading the saved TREC files, not the harness's data structures. Measures are averaged over the
 * queries present in both the run and the qrels, as trec_eval does without -c.
 */
export function trecEvalReference(qrelsFile: string, runFile: string) {
  const qrels = new Map<string, Map<string, number>>();
  for (const line of readFileSync(qrelsFile, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const [q, , d, rel] = line.trim().split(/\s+/);
    if (!qrels.has(q)) qrels.set(q, new Map());
    qrels.get(q)!.set(d, parseInt(rel, 10));
  }
  const run = new Map<string, { doc: string; sim: number }[]>();
  for (const line of readFileSync(runFile, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const [q, , d, , sim] = line.trim().split(/\s+/);
    if (!run.has(q)) run.set(q, []);
    run.get(q)!.push({ doc: d, sim: parseFloat(sim) });
  }
  let n = 0;
  let ndcg10 = 0;
  let map1000 = 0;
  let recall100 = 0;
  for (const [q, docs] of run) {
    const judged = qrels.get(q);
    if (!judged) continue;
    n++;
    // comp_sim_docno: sim descending, then strcmp(docno) descending, on the UTF-8 bytes.
    const ranked = [...docs].sort(
      (a, b) => b.sim - a.sim || Buffer.compare(Buffer.from(b.doc, "utf8"), Buffer.from(a.doc, "utf8")),
    );
    const rels = ranked.map((r) => judged.get(r.doc) ?? 0);
    const numRel = [...judged.values()].filter((r) => r >= 1).length;
    let dcg = 0;
    rels.slice(0, 10).forEach((r, i) => {
      if (r > 0) dcg += r / Math.log2(i + 2);
    });
    const ideal = [...judged.values()].filter((r) => r > 0).sort((a, b) => b - a);
    let idcg = 0;
    ideal.slice(0, 10).forEach((r, i) => (idcg += r / Math.log2(i + 2)));
    ndcg10 += idcg > 0 ? dcg / idcg : 0;
    if (numRel > 0) {
      let found = 0;
      let sum = 0;
      rels.slice(0, 1000).forEach((r, i) => {
        if (r >= 1) sum += ++found / (i + 1);
      });
      map1000 += sum / numRel;
      recall100 += rels.slice(0, 100).filter((r) => r >= 1).length / numRel;
    }
  }
  return { queries: n, ndcg_cut_10: ndcg10 / n, map_cut_1000: map1000 / n, recall_100: recall100 / n };
}
