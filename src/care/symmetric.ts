/**
 * Contrastive training of one encoder that serves both sides (the symmetric baselines CARE is compared
 * with): the same InfoNCE as stage II, with queries and their documents encoded by one model in one
 * forward pass over the concatenated batch, every weight learning.
 */
import { join, resolve } from "node:path";
import { checkpointArg } from "../hub/pull.js";
import { formatQuery } from "../models/card.js";
import { Graph } from "../graph/ir.js";
import { reshape, slice } from "../graph/ops.js";
import { DROPOUT_SEED, type Pooling } from "../models/family.js";
import { CareError } from "../core/errors.js";
import { importGraph } from "../train/params.js";
import { train } from "../train/trainer.js";
import { readStage2Rows } from "./data.js";
import { CARE_DEFAULTS } from "./defaults.js";
import { exportEncoder, TrainableEncoder, writeEncoderFiles } from "./encoder.js";
import { trainingTemplate } from "./instructions.js";
import { matryoshkaContrastiveLoss } from "./objective.js";
import { resolveOptim, trainerSettings } from "./optim.js";
import { outcome, type TrainOutcome } from "./outcome.js";
import { buildPairSet, collateShared, typedBatchOrder, type PairExample } from "./pairs.js";
import { contrastiveSettings, type ContrastiveOptions } from "./train-stage2.js";

export interface SymmetricOptions extends ContrastiveOptions {
  /** The checkpoint folder that learns. */
  model: string;
  /** Default: the family's (CLS for BERT, last token for Qwen). */
  pooling?: Pooling;
  /**
   * Matryoshka widths: the loss is averaged over the embeddings cut to each (and to the full width),
   * so that a CARE query encoder of one of these widths can read the model's prefix (default: none,
   * the full width only). Recorded in the card as matryoshka_dims.
   */
  matryoshkaDims?: number[];
}

export async function trainSymmetric(o: SymmetricOptions): Promise<TrainOutcome> {
  const started = Date.now();
  const out = resolve(o.out);
  const rows = await readStage2Rows(o.data);
  const { temperature, groupSize } = contrastiveSettings(o);
  const optim = resolveOptim(o, rows.length, CARE_DEFAULTS.stage2);
  // One model reads both sides, so one length limit: the longer (documents') one.
  const modelDir = await checkpointArg(o.model);
  const m = TrainableEncoder.open(modelDir, {
    pooling: o.pooling,
    maxLength: o.docMaxLength ?? CARE_DEFAULTS.docMaxLength,
    dropout: o.dropout,
  });
  try {
    const pooling = m.pooling;
    const queryMax = Math.min(m.maxLength, o.queryMaxLength ?? CARE_DEFAULTS.queryMaxLength);
    const template = trainingTemplate(m.card, o);
    // The card keeps the length training used: longer inputs would reach untrained positions.
    const card = { ...m.card, pooling, query_template: template, max_length: m.maxLength };
    const set = buildPairSet(
      rows,
      (r) => m.encode(formatQuery(card, r.query, r.prompt), queryMax),
      (t) => m.encodeDocument(t),
    );
    const B = optim.batchSize;
    const dim = m.dim;
    const widths = [...new Set([...(o.matryoshkaDims ?? []), dim])].sort((a, b) => a - b);
    if (widths.some((w) => !Number.isInteger(w) || w < 1 || w > dim))
      throw new CareError(
        `Matryoshka widths ${widths.join(", ")} must be integers from 1 to ${dim}`,
        modelDir,
      );
    if (widths.length > 1) card.matryoshka_dims = widths;
    // Queries are cut to the query length in training, so evaluation and serving cut them there too.
    card.query_max_length = queryMax;
    const record = {
      stage: "contrastive-symmetric",
      base: resolve(modelDir),
      data: resolve(o.data),
      rows: rows.length,
      temperature,
      group_size: groupSize,
      query_template: template,
      query_max_length: queryMax,
      doc_max_length: m.maxLength,
      pooling,
      matryoshka_dims: widths,
      dropout: m.dropout,
      ...optim.record,
    };
    const result = await train<PairExample>({
      outDir: out,
      examples: set.examples,
      spec: {
        build() {
          const g = new Graph("care-symmetric");
          const imp = importGraph(g, m.graph(), { trainable: () => true });
          // Every batch holds exactly B queries (the trainer never sends a short batch), then B*G documents;
          // the static row count lets the two slices be differentiated.
          const hidden = imp.outputs["embedding"].shape[1] as number;
          const all = reshape(imp.outputs["embedding"], [B * (groupSize + 1), hidden]);
          const queries = slice(all, [0], [0], [B]);
          const docs = slice(all, [0], [B], [B * (groupSize + 1)]);
          const mask = g.input("mask", "float32", [B, B * groupSize]);
          return {
            graph: g,
            loss: matryoshkaContrastiveLoss(queries, docs, widths, { temperature, groupSize, mask }),
            params: imp.params,
            seeds: [imp.inputs[DROPOUT_SEED]],
          };
        },
      },
      collate: (batch) =>
        collateShared(batch, set, groupSize, optim.seed, { padId: m.padId, side: m.paddingSide }),
      save: (dir, params, values) =>
        writeEncoderFiles(join(dir, "model"), m, params, values, { card, record }),
      ...trainerSettings(optim),
      batchSize: B,
      order: typedBatchOrder(set.examples, B, optim.seed),
    });
    const model = join(out, "model");
    exportEncoder(model, m, result.params, result.values, {
      card,
      record: { ...record, final_step: optim.steps },
    });
    return outcome(out, { model }, result, set.examples.length, started);
  } finally {
    m.close();
  }
}
