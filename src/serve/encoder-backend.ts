import { Worker } from "node:worker_threads";
import type { Embedder, TaskHint } from "../core/embedder.js";
import type { EncoderInfo } from "../embed/identity.js";
import { CareError } from "../core/errors.js";
import type { EncoderIdentity, Side, WorkerReply, WorkerRequest, WorkerSetup } from "./worker-protocol.js";

const TS = import.meta.url.endsWith(".ts");

/** Where the server's encoding happens: in a worker thread (local models) or in process (remote ones). */
export interface EncodeBackend {
  readonly info: EncoderInfo;
  encode(side: Side, texts: string[], task?: TaskHint): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** The encoder is gone (its worker died, or the server is closing): the request may be retried. */
export class EncoderUnavailable extends Error {}

/** For encoders that never hold the event loop (remote endpoints) and for tests. */
export class InProcessBackend implements EncodeBackend {
  constructor(private readonly embedder: Embedder) {}

  get info(): EncoderInfo {
    return this.embedder;
  }

  encode(side: Side, texts: string[], task?: TaskHint): Promise<Float32Array[]> {
    return side === "query"
      ? this.embedder.encodeQueries(texts, task)
      : this.embedder.encodeCorpus(
          texts.map((text, i) => ({ id: String(i), text })),
          task,
        );
  }

  async close(): Promise<void> {
    await this.embedder.close?.();
  }
}

/** A server without an encoder (BM25 alone): nothing to encode with. */
export class NoEncoderBackend implements EncodeBackend {
  readonly info: EncoderInfo = { name: "none", dim: 0 };

  encode(): Promise<Float32Array[]> {
    return Promise.reject(new EncoderUnavailable("this server has no encoder: it serves BM25 alone"));
  }

  async close(): Promise<void> {}
}

/**
 * The encoder opened from a spec inside a worker thread. Should the worker die (out of memory, a
 * native crash), requests in flight fail as unavailable and the next request starts a fresh worker.
 */
export class WorkerBackend implements EncodeBackend {
  private worker!: Worker;
  private alive!: Promise<void>;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }
  >();
  private closing = false;
  info!: EncoderInfo;

  private constructor(private readonly setup: WorkerSetup) {}

  static async start(spec: string, threads?: number): Promise<WorkerBackend> {
    const b = new WorkerBackend({ spec, threads });
    await b.spawn();
    return b;
  }

  private spawn(): Promise<void> {
    const entry = new URL(`./encoder-worker.${TS ? "ts" : "js"}`, import.meta.url);
    // Under tsx (development, tests) the worker's entry is TypeScript: register tsx's loader in the
    // worker before importing it (Node 20 does not apply `--import` loaders to worker entries).
    const worker = TS
      ? new Worker(
          `import("tsx/esm/api").catch((e) => { throw new Error("running care from its TypeScript sources needs tsx, a development dependency (npm install -D tsx): " + e.message); }).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });`,
          {
            eval: true,
            workerData: this.setup,
          },
        )
      : new Worker(entry, { workerData: this.setup });
    this.worker = worker;
    let ready = false;
    this.alive = new Promise<void>((resolve, reject) => {
      worker.on("message", (m: WorkerReply) => {
        switch (m.type) {
          case "ready":
            this.info = toInfo(m.info);
            ready = true;
            resolve();
            break;
          case "fatal":
            reject(new CareError(`cannot open query encoder "${this.setup.spec}": ${m.message}`));
            break;
          case "result":
            this.pending.get(m.id)?.resolve(m.vectors);
            this.pending.delete(m.id);
            break;
          case "error":
            this.pending.get(m.id)?.reject(new Error(m.message));
            this.pending.delete(m.id);
            break;
        }
      });
      worker.on("error", (e) => reject(e));
      worker.on("exit", (code) => {
        reject(new CareError(`query encoder worker exited (code ${code}) before it was ready`));
        for (const p of this.pending.values())
          p.reject(new EncoderUnavailable(`query encoder worker exited (code ${code})`));
        this.pending.clear();
        // Respawn only a worker that had started once: one that cannot start would loop.
        if (!this.closing && this.worker === worker && ready) {
          this.alive = this.spawn();
          this.alive.catch(() => undefined);
        }
      });
    });
    return this.alive;
  }

  async encode(side: Side, texts: string[], task?: TaskHint): Promise<Float32Array[]> {
    if (this.closing) throw new EncoderUnavailable("the server is shutting down");
    await this.alive;
    const id = this.nextId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, side, texts, task } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

function toInfo(i: EncoderIdentity): EncoderInfo {
  const described = i.described;
  return { name: i.name, dim: i.dim, ...(described ? { describe: () => described } : {}) };
}
