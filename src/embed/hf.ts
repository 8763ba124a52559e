import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { saveModel, toOnnxBytes, weightBytes } from "../graph/onnx.js";
import { buildEncoder, familyOf, type Family } from "../models/family.js";
import { Session } from "../runtime/session.js";
import { padBatch, TextTokenizer } from "../tokenize/tokenizer.js";
import { openCheckpoint } from "../weights/checkpoint.js";
import { loadCard, formatQuery, outputDim, type ModelCard } from "../models/card.js";
import { docText, type Doc } from "../core/doc.js";
import { normalize } from "../util/vector.js";
import { type Embedder, type TaskHint } from "../core/embedder.js";

export interface HfOptions {
  /** Intra-op threads for ONNX Runtime (default 2). */
  threads?: number;
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
  /** Weight bytes above which the model is opened from the on-disk cache (default IN_MEMORY_WEIGHTS). */
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
    private readonly identity: Record<string, unknown>,
    private readonly options: HfOptions,
  ) {
    this.name = `hf:${dir}`;
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
      options,
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
      const session = await Session.create(modelSource(graph, identity, options.inMemoryWeights), {
        threads: options.threads,
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
      const result = await this.session.run(
        {
          input_ids: { dtype: "int64", shape: [idx.length, batch.seqLen], data: batch.ids },
          attention_mask: { dtype: "int64", shape: [idx.length, batch.seqLen], data: batch.mask },
        },
        ["embedding"],
      );
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

  async close(): Promise<void> {
    await this.session.dispose();
  }
}

/**
 * What identifies the encoder an index was built with: the folder, hashes of config.json, the
 * tokenizer and the card, and the weights files' sizes and modification times (hashing gigabytes of
 * weights on every start would cost more than the check is worth).
 */
function checkpointIdentity(
  dir: string,
  weightFiles: string[],
  card: ModelCard,
  options: HfOptions,
): Record<string, unknown> {
  const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex").slice(0, 16);
  const fileHash = (f: string) => (existsSync(f) ? sha(readFileSync(f)) : null);
  const stamps = weightFiles.map((f) => {
    const s = statSync(f);
    // The file's name, not the path as given: `hf:./m` and `hf:/abs/m` are the same model.
    return `${basename(f)}:${s.size}:${s.mtimeMs}`;
  });
  return {
    kind: "hf",
    path: resolve(dir),
    config_hash: fileHash(join(dir, "config.json")),
    tokenizer_hash: fileHash(join(dir, "tokenizer.json")),
    card: card,
    weights_hash: sha(stamps.join("\n")),
    weights_bytes: weightFiles.reduce((s, f) => s + statSync(f).size, 0),
    quantize: options.quantize ?? null,
  };
}

/**
 * Models with more weights than this are opened from an ONNX file whose weights lie beside it as
 * external data, which ONNX Runtime maps instead of copying: bert-base (409 MB of weights) peaked at
 * 1542 MB of RSS opened from bytes in memory and at 446–464 MB opened from the file.
 */
export const IN_MEMORY_WEIGHTS = 64 * 1024 * 1024;

/**
 * The ONNX model ORT opens: bytes for small models; for larger ones a file in the cache
 * ($CARE_CACHE_DIR, default <tmp>/care-cache), keyed by the checkpoint's identity and written once.
 */
function modelSource(
  graph: ReturnType<typeof buildEncoder>,
  identity: Record<string, unknown>,
  inMemoryWeights = IN_MEMORY_WEIGHTS,
): Uint8Array | string {
  if (weightBytes(graph) <= inMemoryWeights) return toOnnxBytes(graph);
  const key = createHash("sha256")
    .update(JSON.stringify(identity))
    .update(graphFingerprint(graph))
    .digest("hex")
    .slice(0, 24);
  const dir = join(process.env.CARE_CACHE_DIR ?? join(tmpdir(), "care-cache"), "onnx", key);
  const file = join(dir, "model.onnx");
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    saveModel(graph, file, { externalDataThreshold: 0 });
  }
  return file;
}

/**
 * What the cached file depends on besides the checkpoint: the graph this version of the code builds
 * (nodes, attributes, tensor names and shapes, and the values of small constants such as scales), so
 * an upgrade that changes a family's graph never runs a stale cached model.
 */
function graphFingerprint(graph: ReturnType<typeof buildEncoder>): string {
  const h = createHash("sha256");
  for (const n of graph.nodes)
    h.update(
      JSON.stringify([
        n.op,
        n.domain,
        n.inputs.map((v) => v?.name ?? ""),
        n.outputs.map((v) => v.name),
        n.attrs,
      ]),
    );
  for (const [name, init] of graph.initializers) {
    h.update(JSON.stringify([name, init.value.dtype, init.value.shape]));
    if (typeof init.data !== "function" && init.data.byteLength <= 65536)
      h.update(new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
  }
  h.update(JSON.stringify(graph.outputs.map((v) => v.name)));
  return h.digest("hex");
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
