import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Llama, LlamaEmbeddingContext, LlamaModel, Token } from "node-llama-cpp";
import { GGUF_CARD_KEY } from "../gguf/format.js";
import { readGgufHeader, type GgufHeader } from "../gguf/reader.js";
import { END_OF_TEXT } from "../gguf/vocab.js";
import { CareError } from "../core/errors.js";
import { defaultCard, formatQuery, outputDim, parseCard, type ModelCard } from "../models/card.js";
import { docText, type Doc } from "../core/doc.js";
import { normalize } from "../util/vector.js";
import { type Embedder, type EncodingSettings, type TaskHint } from "../core/embedder.js";
import { ggufIdentity } from "./identity.js";
import { llamaCpp } from "../util/optional.js";

export interface GgufEmbedderOptions {
  /** CPU threads for the whole pool; default: the machine's math cores. */
  threads?: number;
  /** Embedding contexts evaluated in parallel; default: one per 4 threads. */
  contexts?: number;
  /** Longest input in tokens, end-of-text included; longer inputs lose their end. Default: the card's max_length. */
  maxTokens?: number;
  /** Output width (Matryoshka cut before normalising); default: the card's. */
  dim?: number;
  /** KV cache element type; llama.cpp's default F16 costs ~6e-4 max abs error against an F32 cache. */
  kvCacheType?: "F16" | "F32";
  /**
   * llama.cpp's flash attention ("auto" turns it on, CPU included) computes attention in F16 whatever
   * the cache type: ~2e-3 max abs error on a tiny model, against 5e-7 with it off and an F32 cache.
   * Default: llama.cpp's choice.
   */
  flashAttention?: boolean;
  /** "auto" uses a GPU build when one loads (CUDA, Vulkan); false forces the CPU. Default "auto". */
  gpu?: "auto" | false;
}

const llamas = new Map<string, Promise<Llama>>();

/** One llama.cpp runtime per process and GPU choice: loading the native addon costs about a second. */
async function runtime(gpu: "auto" | false): Promise<Llama> {
  const key = String(gpu);
  let p = llamas.get(key);
  if (!p) {
    const { getLlama, LlamaLogLevel } = await llamaCpp();
    // build "never": a missing prebuilt binary is an error, not a silent compile from source.
    p = getLlama({ gpu, build: "never", logLevel: LlamaLogLevel.error });
    llamas.set(key, p);
  }
  return p;
}

/**
 * A GGUF decoder (written by `care gguf convert`, or any llama.cpp embedding GGUF) as an Embedder, run
 * by node-llama-cpp. Each input is tokenised by llama.cpp, truncated, and ends with the end-of-text
 * token whose hidden state llama.cpp's last-token pooling returns; queries are formatted by the model
 * card stored in the file; a pool of embedding contexts encodes inputs in parallel; rows are cut to the
 * output width and L2-normalised here (llama.cpp returns them raw).
 */
export class GgufEmbedder implements Embedder {
  readonly name: string;

  private constructor(
    readonly file: string,
    readonly card: ModelCard,
    readonly dim: number,
    private readonly model: LlamaModel,
    private readonly pool: LlamaEmbeddingContext[],
    private readonly endToken: Token,
    private readonly maxTokens: number,
  ) {
    this.name = `gguf:${file}`;
  }

  static async open(file: string, options: GgufEmbedderOptions = {}): Promise<GgufEmbedder> {
    const path = resolve(file);
    if (!existsSync(path)) throw new CareError("GGUF file not found", path);
    const header = readGgufHeader(path);
    const llama = await runtime(options.gpu ?? "auto");
    const kv = options.kvCacheType ?? "F16";
    let model: LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath: path,
        experimentalDefaultContextKvCacheKeyType: kv,
        experimentalDefaultContextKvCacheValueType: kv,
        defaultContextFlashAttention: options.flashAttention ?? "auto",
      });
    } catch (e) {
      throw new CareError(`llama.cpp could not load the model: ${(e as Error).message}`, path);
    }
    const pool: LlamaEmbeddingContext[] = [];
    try {
      const hidden = model.embeddingVectorSize;
      const card = fileCard(header, model, path);
      const dim = outputDim(card, hidden, options.dim);
      const endToken = endOfText(model);
      if (endToken === undefined)
        throw new CareError(`the vocabulary has neither ${END_OF_TEXT} nor an EOS token to pool on`, path);
      const maxTokens = options.maxTokens ?? card.max_length;
      if (!Number.isInteger(maxTokens) || maxTokens < 2)
        throw new CareError(`maxTokens must be an integer ≥ 2, got ${maxTokens}`, path);
      const threads = Math.max(1, options.threads ?? llama.cpuMathCores);
      const contexts = Math.max(1, Math.min(options.contexts ?? Math.floor(threads / 4), threads));
      for (let i = 0; i < contexts; i++) {
        try {
          pool.push(
            await model.createEmbeddingContext({
              // The context must exceed the input; one ubatch holds a whole input so pooling sees it at once.
              contextSize: maxTokens + 1,
              batchSize: maxTokens + 1,
              threads: Math.max(1, Math.floor(threads / contexts)),
            }),
          );
        } catch (e) {
          throw new CareError(
            `llama.cpp could not create embedding context ${i + 1}: ${(e as Error).message}`,
            path,
          );
        }
      }
      return new GgufEmbedder(path, card, dim, model, pool, endToken, maxTokens);
    } catch (e) {
      await Promise.all(pool.map((c) => c.dispose()));
      await model.dispose();
      throw e;
    }
  }

  /** The token ids llama.cpp evaluates for a text: its BPE, truncated, then end-of-text. */
  tokenize(text: string): Token[] {
    // Special-token text inside documents stays plain text, so no document can inject control tokens.
    const ids = this.model.tokenize(text, false).slice(0, this.maxTokens - 1);
    ids.push(this.endToken);
    return ids;
  }

  async encodeQueries(texts: string[], task?: TaskHint): Promise<Float32Array[]> {
    return this.encode(texts.map((t) => formatQuery(this.card, t, task?.queryInstruction)));
  }

  async encodeCorpus(docs: Doc[], _task?: TaskHint): Promise<Float32Array[]> {
    return this.encode(docs.map((d) => (this.card.document_prompt ?? "") + docText(d)));
  }

  describe(): { query: Record<string, unknown>; document: Record<string, unknown> } {
    const side = ggufIdentity(this.file, this.dim);
    return { query: side, document: side };
  }

  encoding(task?: TaskHint): { query: EncodingSettings; document: EncodingSettings } {
    const side = { max_length: this.maxTokens, pooling: this.card.pooling, dim: this.dim };
    return {
      query: { prompt: formatQuery(this.card, "{text}", task?.queryInstruction), ...side },
      document: { prompt: `${this.card.document_prompt ?? ""}{text}`, ...side },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.pool.map((c) => c.dispose()));
    await this.model.dispose();
  }

  private async encode(texts: string[]): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(texts.length);
    let next = 0;
    // Each context pulls the next input when free, so long and short inputs balance across the pool.
    await Promise.all(
      this.pool.map(async (ctx) => {
        for (let i = next++; i < texts.length; i = next++) {
          const text = this.card.lowercase ? texts[i].toLowerCase() : texts[i];
          const e = await ctx.getEmbeddingFor(this.tokenize(text));
          out[i] = normalize(Float32Array.from(e.vector.slice(0, this.dim)));
        }
      }),
    );
    return out;
  }
}

/** The model card our converter stored, or Qwen defaults for a GGUF from elsewhere. */
function fileCard(header: GgufHeader, model: LlamaModel, path: string): ModelCard {
  const defaults = defaultCard("qwen", {
    hidden_size: model.embeddingVectorSize,
    max_position_embeddings: model.trainContextSize,
  });
  const [ns, key] = GGUF_CARD_KEY.split(".");
  const stored = (model.fileInfo.metadata as unknown as Record<string, Record<string, unknown> | undefined>)[
    ns
  ]?.[key];
  if (stored === undefined) return defaults;
  let raw: unknown;
  try {
    raw = JSON.parse(String(stored));
  } catch (e) {
    throw new CareError(`metadata ${GGUF_CARD_KEY} is not JSON: ${(e as Error).message}`, path);
  }
  return parseCard(raw, defaults, `${path} (${GGUF_CARD_KEY})`, model.embeddingVectorSize);
}

function endOfText(model: LlamaModel): Token | undefined {
  const ids = model.tokenize(END_OF_TEXT, true);
  if (ids.length === 1) return ids[0];
  return model.tokens.eos ?? undefined;
}
