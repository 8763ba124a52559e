import { join } from "node:path";
import { appendsEndToken, buildEncoder, familyOf, type Family } from "../models/family.js";
import { closeDense, openDense } from "../models/head.js";
import { headWidth, readStConfig } from "../models/sentence-transformers.js";
import { openGraph } from "../runtime/open-graph.js";
import { tokenFeeds } from "../runtime/token-feeds.js";
import type { Session, Tensor } from "../runtime/session.js";
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
 * config.json and the safetensors weights (with the sentence-transformers Pooling and Dense modules),
 * run by ONNX Runtime; the tokenizer and model card beside it decide truncation, padding, lowercasing,
 * the query instruction, the document prompt and pooling. Texts are sorted by token length
 * before batching so that each batch carries little padding; rows come back in input order, cut to
 * `dim` and L2-normalised.
 */
export class HfEmbedder implements Embedder {
  readonly name: string;
  readonly dim: number;
  /** Width of the model's embedding (the hidden size, or the last Dense module's output). */
  readonly width: number;
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
    width: number,
  ) {
    this.name = `hf:${options.name ?? dir}`;
    this.width = width;
    this.dim = outputDim(card, width, options.dim);
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
    let dense: ReturnType<typeof openDense> = [];
    try {
      const family = familyOf(ck.config, configFile);
      const st = readStConfig(dir);
      const card = loadCard(dir, family, ck.config, st);
      const tokenizer = TextTokenizer.load(dir);
      dense = openDense(dir, st.modules?.dense ?? []);
      const width = headWidth(ck.config.hidden_size as number, st.modules);
      const identity = checkpointIdentity(
        dir,
        [
          ...ck.weights.files.map((f) => f.file),
          ...(st.modules?.dense ?? []).map((d) => join(dir, d.path, "model.safetensors")),
        ],
        card,
        options.quantize,
      );
      const graph = buildEncoder(ck.config, ck.weights, {
        pooling: card.pooling,
        dense,
        excludePrompt: !card.include_prompt,
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
      return new HfEmbedder(dir, family, ck.config, card, tokenizer, session, identity, options, width);
    } finally {
      closeDense(dense);
      ck.weights.close();
    }
  }

  async encodeQueries(texts: string[], task?: TaskHint): Promise<Float32Array[]> {
    const prompt = this.queryPromptPart(task?.queryInstruction);
    return this.encodeTexts(
      texts.map((t) => formatQuery(this.card, t, task?.queryInstruction)),
      prompt,
      this.queryMaxLength,
    );
  }

  async encodeCorpus(docs: Doc[]): Promise<Float32Array[]> {
    const prompt = this.card.document_prompt ?? "";
    return this.encodeTexts(
      docs.map((d) => prompt + docText(d)),
      prompt,
    );
  }

  /** The part of a formatted query before its text (what include_prompt false leaves out of pooling). */
  private queryPromptPart(instruction?: string): string {
    const marker = "\u0000";
    const formatted = formatQuery(this.card, marker, instruction);
    return formatted.slice(0, formatted.indexOf(marker));
  }

  /**
   * Embeds texts as they are (no instruction added). `prompt` is the prefix they already carry: with
   * the card's include_prompt false its tokens are left out of pooling.
   * Each is cut to `maxLength` tokens (default the card's).
   */
  async encodeTexts(texts: string[], prompt = "", maxLength = this.maxLength): Promise<Float32Array[]> {
    const appendEos = appendsEndToken(this.family, this.card.pooling);
    const lower = (t: string) => (this.card.lowercase ? t.toLowerCase() : t);
    const rows = texts.map((t) => this.tokenizer.encode(lower(t), maxLength, appendEos));
    const promptTokens = this.card.include_prompt ? 0 : this.tokenizer.promptLength(lower(prompt));
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
        // CLS pooling reads position 0, so those batches pad on the right.
        this.card.pooling === "cls" ? "right" : this.card.padding_side,
      );
      const feeds: Record<string, Tensor> = tokenFeeds(batch);
      if (!this.card.include_prompt)
        feeds.prompt_length = {
          dtype: "int64",
          shape: [idx.length],
          data: new BigInt64Array(idx.length).fill(BigInt(promptTokens)),
        };
      const result = await this.session.run(feeds, ["embedding"]);
      const emb = result.embedding.data as Float32Array;
      idx.forEach((i, r) => {
        out[i] = normalize(emb.slice(r * this.width, r * this.width + this.dim));
      });
    }
    return out;
  }

  describe(): { query: Record<string, unknown>; document: Record<string, unknown> } {
    return { query: this.identity, document: this.identity };
  }

  /** Queries may be cut shorter than documents (a card's query_max_length). */
  private get queryMaxLength(): number {
    return Math.min(this.maxLength, this.card.query_max_length ?? Infinity);
  }

  encoding(task?: TaskHint): { query: EncodingSettings; document: EncodingSettings } {
    const side = { pooling: this.card.pooling, dim: this.dim };
    return {
      query: {
        prompt: formatQuery(this.card, "{text}", task?.queryInstruction),
        max_length: this.queryMaxLength,
        ...side,
      },
      document: { prompt: `${this.card.document_prompt ?? ""}{text}`, max_length: this.maxLength, ...side },
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
