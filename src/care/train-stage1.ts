/**
 * CARE stage I: align a small query encoder to a frozen large document encoder on unlabelled text.
 * The document side's embeddings of every training text are computed once (any document backend:
 * a checkpoint folder, GGUF, an OpenAI-compatible server) and cached on disk; the query encoder then
 * learns with InfoNCE over the batch — the same text through the two encoders is the positive — plus
 * the MSE between its embedding and the document embedding cut to its width.
 */
import { join, resolve } from "node:path";
import { checkpointArg } from "../hub/pull.js";
import { loadEmbedder } from "../embed/load.js";
import { normalize } from "../util/vector.js";
import { Graph } from "../graph/ir.js";
import { DROPOUT_SEED, type Pooling } from "../models/family.js";
import type { Tensor } from "../runtime/session.js";
import { trainingFeeds } from "../train/feeds.js";
import { importGraph } from "../train/params.js";
import { train } from "../train/trainer.js";
import { CareError } from "../core/errors.js";
import { readStage1Texts, type Stage1Format } from "./data.js";
import { CARE_DEFAULTS } from "./defaults.js";
import { embedDocuments } from "./doc-cache.js";
import { exportEncoder, TrainableEncoder, writeEncoderFiles } from "./encoder.js";
import { alignmentLoss, cutNormalize } from "./objective.js";
import { resolveOptim, type OptimOptions, trainerSettings } from "./optim.js";
import { outcome, type TrainOutcome } from "./outcome.js";

export interface Stage1Options extends OptimOptions {
  /**
   * false: the trained card presents queries bare (no instruction template), the policy under which
   * stage I trains — its texts carry no instruction. Default: the base card's template is kept.
   */
  instructions?: boolean;
  /** Query encoder checkpoint folder (learns). */
  query: string;
  /** Document encoder: a checkpoint folder or a dense spec (hf:, gguf:, openai:); frozen. */
  doc: string;
  /** Stage-I JSONL or plain text lines. */
  data: string;
  out: string;
  format?: Stage1Format;
  /** Where document embeddings are cached (default <out>/doc-cache). */
  cache?: string;
  temperature?: number;
  mseWeight?: number;
  maxLength?: number;
  pooling?: Pooling;
  /** Texts per document-encoder call while filling the cache. */
  docBatchSize?: number;
}

/** A folder path names a checkpoint; anything with a backend scheme is a spec as it stands. */
export function docSpec(doc: string): string {
  return /^(hf|gguf|openai):/.test(doc) ? doc : `hf:${doc}`;
}

interface AlignExample {
  ids: number[];
  target: Float32Array;
}

export async function trainStage1(o: Stage1Options): Promise<TrainOutcome> {
  const started = Date.now();
  const out = resolve(o.out);
  const { texts } = await readStage1Texts(o.data, o.format);
  const temperature = o.temperature ?? CARE_DEFAULTS.stage1.temperature;
  const mseWeight = o.mseWeight ?? CARE_DEFAULTS.stage1.mseWeight;
  if (!(temperature > 0)) throw new CareError(`temperature ${temperature} must be positive`);
  const optim = resolveOptim(o, texts.length, CARE_DEFAULTS.stage1);
  if (optim.batchSize < 2) throw new CareError("stage I needs a batch of at least 2 (in-batch negatives)");
  const query = await checkpointArg(o.query);
  const q = TrainableEncoder.open(query, {
    pooling: o.pooling ?? CARE_DEFAULTS.queryPooling,
    maxLength: o.maxLength ?? CARE_DEFAULTS.queryMaxLength,
    dropout: o.dropout,
  });
  try {
    const dim = q.dim;
    const docs = await loadEmbedder(docSpec(o.doc), { threads: o.threads });
    let embedded;
    try {
      if (docs.dim < dim)
        throw new CareError(
          `the document encoder ${docs.name} is ${docs.dim} wide, narrower than the query encoder (${dim})`,
        );
      embedded = await embedDocuments(docs, texts, o.cache ?? join(out, "doc-cache"), {
        batchSize: o.docBatchSize,
      });
    } finally {
      await docs.close?.();
    }
    const examples: AlignExample[] = texts.map((t, i) => ({
      ids: q.encode(t),
      target: normalize(embedded.vectors[i].slice(0, dim)),
    }));
    // The card's max_length is what training used: longer inputs would reach untrained positions.
    const card = {
      ...q.card,
      pooling: q.pooling,
      max_length: q.maxLength,
      ...(o.instructions === false ? { query_template: null } : {}),
    };
    const record = {
      stage: "care-stage1",
      base: resolve(query),
      document: docSpec(o.doc),
      data: resolve(o.data),
      texts: texts.length,
      temperature,
      mse_weight: mseWeight,
      mse: "squared distance summed over dimensions, mean over the batch",
      query_template: card.query_template,
      dropout: q.dropout,
      max_length: q.maxLength,
      pooling: q.pooling,
      ...optim.record,
    };
    const result = await train<AlignExample>({
      outDir: out,
      examples,
      spec: {
        build() {
          const g = new Graph("care-stage1");
          const imp = importGraph(g, q.graph(), { trainable: () => true });
          const target = g.input("target", "float32", ["batch", dim]);
          const loss = alignmentLoss(cutNormalize(imp.outputs["embedding"], dim), target, {
            temperature,
            mseWeight,
          });
          return { graph: g, loss, params: imp.params, seeds: [imp.inputs[DROPOUT_SEED]] };
        },
      },
      collate: (batch) => {
        const feeds: Record<string, Tensor> = trainingFeeds(
          batch.map((e) => e.ids),
          { padId: q.padId, side: q.paddingSide },
        );
        const target = new Float32Array(batch.length * dim);
        batch.forEach((e, i) => target.set(e.target, i * dim));
        feeds.target = { dtype: "float32", shape: [batch.length, dim], data: target };
        return feeds;
      },
      save: (dir, params, values) =>
        writeEncoderFiles(join(dir, "query"), q, params, values, { card, record }),
      ...trainerSettings(optim),
    });
    const queryDir = join(out, "query");
    exportEncoder(queryDir, q, result.params, result.values, {
      card,
      record: { ...record, final_step: optim.steps },
    });
    return outcome(out, { query: queryDir }, result, examples.length, started);
  } finally {
    q.close();
  }
}
