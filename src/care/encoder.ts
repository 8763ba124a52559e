/**
 * One side of a CARE pair as training sees it: a Hugging Face checkpoint folder opened for the length
 * of a run (its weights are read lazily, by the graph builder and again by the exporter), tokenised as
 * its embedder would tokenise it, and written back as a folder `hf:` and `care:` specs load and
 * sentence-transformers loads unchanged.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadCard, writeCard, type ModelCard } from "../models/card.js";
import type { Graph } from "../graph/ir.js";
import { appendsEndToken, buildEncoder, familyOf, type Family, type Pooling } from "../models/family.js";
import { closeDense, openDense, type DenseLayer } from "../models/head.js";
import { readStConfig } from "../models/sentence-transformers.js";
import { TextTokenizer } from "../tokenize/tokenizer.js";
import { exportCheckpoint } from "../train/export.js";
import { TRAINING_CARD, writeStSide } from "../train/st-folder.js";
import type { FloatData, Param } from "../train/params.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { openCheckpoint, type CheckpointWeights } from "../weights/checkpoint.js";

export interface OpenEncoderOptions {
  /** Default: the card's. */
  pooling?: Pooling;
  /** Longest input in tokens (capped by the card's max_length). */
  maxLength: number;
  /** Training graphs apply the config's dropout (default true, as the checkpoints were trained). */
  dropout?: boolean;
}

export class TrainableEncoder {
  /** Width of the embedding this side produces: the card's `dim` (≤ the hidden size). */
  readonly dim: number;
  readonly hidden: number;
  readonly maxLength: number;

  private constructor(
    readonly dir: string,
    readonly family: Family,
    readonly config: Record<string, unknown>,
    readonly weights: CheckpointWeights,
    readonly card: ModelCard,
    readonly tokenizer: TextTokenizer,
    readonly pooling: Pooling,
    maxLength: number,
    /** sentence-transformers Dense modules after pooling; trained with the rest. */
    readonly dense: DenseLayer[],
    readonly dropout: boolean,
  ) {
    this.hidden = config.hidden_size as number;
    this.dim = card.dim;
    this.maxLength = Math.min(maxLength, card.max_length, tokenizer.modelMaxLength ?? Infinity);
  }

  static open(dir: string, o: OpenEncoderOptions): TrainableEncoder {
    if (!existsSync(join(dir, "config.json")))
      throw new CareError("not a Hugging Face checkpoint folder (config.json not found)", dir);
    const ck = openCheckpoint(dir);
    let dense: DenseLayer[] = [];
    try {
      const family = familyOf(ck.config, join(dir, "config.json"));
      const st = readStConfig(dir);
      const card = loadCard(dir, family, ck.config, st);
      if (!card.include_prompt)
        throw new CareError(
          `field "include_prompt" is false: training does not leave prompts out of pooling`,
          st.modules?.pooling.file ?? join(dir, "care.json"),
        );
      const tokenizer = TextTokenizer.load(dir);
      dense = openDense(dir, st.modules?.dense ?? []);
      return new TrainableEncoder(
        dir,
        family,
        ck.config,
        ck.weights,
        card,
        tokenizer,
        o.pooling ?? card.pooling,
        o.maxLength,
        dense,
        o.dropout ?? true,
      );
    } catch (e) {
      closeDense(dense);
      ck.weights.close();
      throw e;
    }
  }

  /**
   * The forward training graph (float32) with this run's pooling and, unless turned off, the family's
   * dropout keyed by the graph input DROPOUT_SEED.
   */
  graph(): Graph {
    return buildEncoder(this.config, this.weights, {
      pooling: this.pooling,
      dense: this.dense,
      configFile: join(this.dir, "config.json"),
      dropout: this.dropout,
    });
  }

  /**
   * Token ids as the embedder produces them (lower-cased where the card says so; last-token pooling
   * reads the end-of-text token), at most `maxLength` (default this side's) long.
   */
  encode(text: string, maxLength = this.maxLength): number[] {
    const t = this.card.lowercase ? text.toLowerCase() : text;
    return this.tokenizer.encode(t, maxLength, appendsEndToken(this.family, this.pooling));
  }

  /** A document's token ids: its text after the card's document prompt. */
  encodeDocument(text: string): number[] {
    return this.encode((this.card.document_prompt ?? "") + text);
  }

  /** CLS pooling reads position 0, so those batches pad on the right; others follow the card. */
  get paddingSide(): "left" | "right" {
    return this.pooling === "cls" ? "right" : this.card.padding_side;
  }

  get padId(): number {
    return this.tokenizer.padId;
  }

  close(): void {
    closeDense(this.dense);
    this.weights.close();
  }
}

/**
 * Writes the trained encoder (parameters whose names start with `prefix`) as a checkpoint folder with
 * its model card and training record, replacing `dir` only once the whole folder is written.
 */
export function exportEncoder(
  dir: string,
  enc: TrainableEncoder,
  params: readonly Param[],
  values: readonly FloatData[],
  o: { prefix?: string; card: ModelCard; record: Record<string, unknown> },
): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeEncoderFiles(tmp, enc, params, values, o);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

/** The files of a trained encoder folder, written into an existing (temporary) folder. */
export function writeEncoderFiles(
  dir: string,
  enc: TrainableEncoder,
  params: readonly Param[],
  values: readonly FloatData[],
  o: { prefix?: string; card: ModelCard; record: Record<string, unknown> },
): void {
  mkdirSync(dir, { recursive: true });
  exportCheckpoint(
    dir,
    { config: enc.config, weights: enc.weights, dir: enc.dir, prefix: o.prefix, dense: enc.dense },
    params,
    values,
  );
  writeCard(dir, o.card);
  writeFileAtomic(join(dir, TRAINING_CARD), JSON.stringify(o.record, null, 2) + "\n");
  writeStSide(dir, {
    config: enc.config,
    card: o.card,
    dense: enc.dense,
    base: typeof o.record.base === "string" ? o.record.base : enc.dir,
    training: o.record,
  });
}
