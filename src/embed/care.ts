import { CareError } from "../core/errors.js";
import { normalize } from "../util/vector.js";
import { type Doc } from "../core/doc.js";
import { type Embedder, type EncodingSettings, type TaskHint } from "../core/embedder.js";
import type { HfEmbedder } from "./hf.js";
import { encoderIdentity } from "./identity.js";

/**
 * The CARE asymmetric embedder (`care:<query-dir>,<doc-dir>`): queries through a small online encoder,
 * documents through a large offline one sharing its space. The document side may be any dense spec
 * (`gguf:<file>`, `openai:...`) as well as a checkpoint folder; its rows are cut to the query width and
 * normalised again, as the paper's document encoder is trained to be read.
 */
export class CareEmbedder implements Embedder {
  readonly name: string;
  readonly dim: number;

  constructor(
    readonly query: HfEmbedder,
    readonly document: Embedder,
  ) {
    if (document.dim < query.dim) {
      throw new CareError(
        `the document side ${document.name} is ${document.dim} wide, narrower than the query side ` +
          `${query.name} (${query.dim}); it must be at least as wide`,
      );
    }
    this.dim = query.dim;
    this.name = `care:${query.name.slice(3)},${document.name.startsWith("hf:") ? document.name.slice(3) : document.name}`;
  }

  encodeQueries(texts: string[], task?: TaskHint): Promise<Float32Array[]> {
    return this.query.encodeQueries(texts, task);
  }

  async encodeCorpus(docs: Doc[], task?: TaskHint): Promise<Float32Array[]> {
    const rows = await this.document.encodeCorpus(docs, task);
    return rows.map((r) => (r.length === this.dim ? r : normalize(r.slice(0, this.dim))));
  }

  describe(): { query: Record<string, unknown>; document: Record<string, unknown> } {
    const doc = encoderIdentity(this.document, "document");
    return { query: this.query.describe().query, document: { ...doc, dim: this.dim } };
  }

  /** The document side's rows are cut to the query width, so its recorded width is that one. */
  encoding(task?: TaskHint): { query: EncodingSettings; document: EncodingSettings } {
    const document = this.document.encoding?.(task).document ?? {
      prompt: "{text}",
      max_length: null,
      pooling: null,
      dim: this.document.dim,
    };
    return { query: this.query.encoding(task).query, document: { ...document, dim: this.dim } };
  }

  async close(): Promise<void> {
    await Promise.all([this.query.close(), this.document.close?.()]);
  }
}
