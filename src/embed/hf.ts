import { join } from "node:path";
import { buildEncoder, familyOf, type Family } from "../models/family.js";
import { openGraph } from "../runtime/open-graph.js";
import { tokenFeeds } from "../runtime/token-feeds.js";
import type { Session } from "../runtime/session.js";
import { padBatch, TextTokenizer } from "../tokenize/tokenizer.js";
import { openCheckpoint } from "../weights/checkpoint.js";
import { loadCard, formatQuery, outputDim, type ModelCard } from "../models/card.js";
import { docText, type Doc } from "../core/doc.js";
import { normalize } from "../util/vector.js";
import { type Embedder, type EncodingSettings, type TaskHint } from "../core/embedder.js";
import { checkpointIdentity, identityKey, type Identity } from "./identity.js";

export interface HfOptions {
  /** Intra-op threads for ONNX Runtime (default 2). */
  threads?: number;
  /** What the spec called the model (a Hub id rather than its cache folder); default the folder. */
  name?: string;
  /** Output width (Matryoshka truncation before normalising); default the card's `dim`. */
  dim?: number;
  /** Dynamic int8 quantisation of the linear layers. */
  quantize?: "int8";
  /** Caps the card's max_length. */
  maxLength?: number;
  /** Most rows per forward pass (default 32). */
  batchSize?: number;
  /** Most padded tokens per forward pass (default 8192), so long documents come in smaller batches. */
  batchTokens?: number;
  /** Weight bytes above which the model is opened from the model-file cache (see openGraph). */
  inMemoryWeights?: number;
}

/**
 * An embedder for a Hugging Face checkpoint folder (`hf:<dir>`): the family's encoder graph built from
 * config.json and the safetensors weights, run by ONNX Runtime; the tokenizer and model card beside it
 * decide truncation, padding, the query instruction and pooling. Texts are sorted by token length
 * before batching so that each batch carries little padding; rows come back in input order, cut to
 * `dim` and L2-normalised.
 */
export class HfEmbedder implements Embedder {
  readonly name: string;
  readonly dim: number;
  readonly hidden: number;
  private readonly maxLength: number;

  private constructor(
    readonly dir: string,
    readonly family: Family,
    readonly config: Record<string, unknown>,
    readonly card: ModelCard,
    readonly tokenizer: TextTokenizer,
    private readonly session: Session,
    private readonly identity: Identity,
    private readonly options: HfOptions,
  ) {
    this.name = `hf:${options.name ?? dir}`;
    this.hidden = config.hidden_size as number;
    this.dim = outputDim(card, this.hidden, options.dim);
    this.maxLength = Math.min(
      card.max_length,
      options.maxLength ?? Infinity,
      tokenizer.modelMaxLength ?? Infinity,
    );
    this.identity = { ...identity, dim: this.dim };
  }

  static async open(dir: string, options: HfOptions = {}): Promise<HfEmbedder> {
    const ck = openCheckpoint(dir);
    const configFile = join(dir, "config.json");
    const family = familyOf(ck.config, configFile);
    const card = loadCard(dir, family, ck.config);
    const tokenizer = TextTokenizer.load(dir);
    const identity = checkpointIdentity(
      dir,
      ck.weights.files.map((f) => f.file),
      card,
      options.quantize,
    );
    try {
      const graph = buildEncoder(ck.config, ck.weights, {
        pooling: card.pooling,
        quantize: options.quantize,
        // Inference only: ORT's fused kernels, and no hidden-state output (CLS reads one row).
        fused: true,
        outputs: "embedding",
        configFile,
      });
      const session = await openGraph(graph, {
        threads: options.threads,
        inMemoryWeights: options.inMemoryWeights,
        weightsKey: identityKey(identity),
      });
      return new HfEmbedder(dir, family, ck.config, card, tokenizer, session, identity, options);
    } finally {
      ck.weights.close();
    }
  }

  async encodeQueries(texts: string[], task?: TaskHint): Promise<Float32Array[]> {
    return this.encodeTexts(texts.map((t) => formatQuery(this.card, t, task?.queryInstruction)));
  }

  async encodeCorpus(docs: Doc[]): Promise<Float32Array[]> {
    return this.encodeTexts(docs.map(docText));
  }

  /** Embeds texts as they are (no instruction). */
  async encodeTexts(texts: string[]): Promise<Float32Array[]> {
    const appendEos = this.card.pooling === "last";
    const rows = texts.map((t) => this.tokenizer.encode(t, this.maxLength, appendEos));
    const out: Float32Array[] = new Array(texts.length);
    const plan = planBatches(
      rows.map((r) => r.length),
      this.options.batchSize ?? 32,
      this.options.batchTokens ?? 8192,
    );
    for (const idx of plan) {
      const batch = padBatch(
        idx.map((i) => rows[i]),
        this.tokenizer.padId,
        this.card.padding_side,
      );
      const result = await this.session.run(tokenFeeds(batch), ["embedding"]);
      const emb = result.embedding.data as Float32Array;
      idx.forEach((i, r) => {
        out[i] = normalize(emb.slice(r * this.hidden, r * this.hidden + this.dim));
      });
    }
    return out;
  }

  describe(): { query: Record<string, unknown>; document: Record<string, unknown> } {
    return { query: this.identity, document: this.identity };
  }

  encoding(task?: TaskHint): { query: EncodingSettings; document: EncodingSettings } {
    const side = { max_length: this.maxLength, pooling: this.card.pooling, dim: this.dim };
    return {
      query: { prompt: formatQuery(this.card, "{text}", task?.queryInstruction), ...side },
      document: { prompt: "{text}", ...side },
    };
  }

  async close(): Promise<void> {
    await this.session.dispose();
  }
}

/** Padding allowed in a forward pass, as a fraction of its real tokens. */
export const PADDING_SLACK = 0.2;

/**
 * Groups rows of these token lengths into forward passes: shortest first, each pass at most `maxRows`
 * rows and `maxTokens` padded tokens. A row that would pad its pass past PADDING_SLACK of the real
 * tokens starts the next one: padding is computed in full, and eight 8–32-character queries in one
 * pass took longer than the eight one at a time (bert-base, 2 threads).
 */
export function planBatches(lengths: readonly number[], maxRows: number, maxTokens: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
  const plan: number[][] = [];
  let start = 0;
  while (start < order.length) {
    // Sorted ascending, so the last row taken sets the padded width of the pass.
    let end = start + 1;
    let real = lengths[order[start]];
    while (end < order.length && end - start < maxRows) {
      const width = lengths[order[end]];
      const padded = (end - start + 1) * width;
      if (padded > maxTokens || padded > (1 + PADDING_SLACK) * (real + width)) break;
      real += width;
      end++;
    }
    plan.push(order.slice(start, end));
    start = end;
  }
  return plan;
}
