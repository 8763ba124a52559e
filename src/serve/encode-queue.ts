import type { TaskHint } from "../core/embedder.js";
import type { EncodeBackend } from "./encoder-backend.js";
import type { Side } from "./worker-protocol.js";

/** The queue is full: the client should back off and retry (HTTP 429). */
export class QueueFull extends Error {}

interface Job {
  side: Side;
  texts: string[];
  task?: TaskHint;
  taskKey: string;
  resolve: (v: Float32Array[]) => void;
  reject: (e: Error) => void;
}

export interface EncodeQueueOptions {
  /** Requests waiting beyond the one being encoded; more are refused with QueueFull. */
  maxQueue: number;
  /** Texts encoded together when several requests wait (one encoder call amortises its overhead). */
  maxBatch: number;
}

/**
 * A bounded queue in front of the single encoder: one batch encodes at a time, and while it does,
 * arriving requests wait; the next batch takes all waiting requests of the same side and task, up to
 * `maxBatch` texts. Under load this turns many one-query encoder calls into a few batched ones.
 */
export class EncodeQueue {
  private readonly waiting: Job[] = [];
  private busy = 0;
  private drained: (() => void)[] = [];

  constructor(
    private readonly backend: EncodeBackend,
    private readonly options: EncodeQueueOptions,
  ) {}

  /** Requests waiting plus those being encoded: the gauge /metrics reports. */
  get depth(): number {
    return this.waiting.length + this.busy;
  }

  encode(side: Side, texts: string[], task?: TaskHint): Promise<Float32Array[]> {
    if (this.waiting.length >= this.options.maxQueue)
      return Promise.reject(new QueueFull(`the encoder queue is full (${this.options.maxQueue} waiting)`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ side, texts, task, taskKey: JSON.stringify(task ?? null), resolve, reject });
      this.pump();
    });
  }

  /**
   * Resolves once nothing waits or encodes. Shutdown awaits it: a client that hung up leaves its
   * request queued, and stopping the encoder under a running batch would abort the process.
   */
  drain(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private pump(): void {
    if (this.busy === 0 && this.waiting.length === 0) this.drained.splice(0).forEach((resolve) => resolve());
    if (this.busy > 0 || this.waiting.length === 0) return;
    const first = this.waiting.shift()!;
    const batch = [first];
    let size = first.texts.length;
    for (let i = 0; i < this.waiting.length && size < this.options.maxBatch;) {
      const j = this.waiting[i];
      if (
        j.side === first.side &&
        j.taskKey === first.taskKey &&
        size + j.texts.length <= this.options.maxBatch
      ) {
        batch.push(j);
        size += j.texts.length;
        this.waiting.splice(i, 1);
      } else i++;
    }
    this.busy = batch.length;
    this.backend
      .encode(
        first.side,
        batch.flatMap((j) => j.texts),
        first.task,
      )
      .then(
        (vectors) => {
          if (vectors.length !== size) {
            const e = new Error(`the encoder returned ${vectors.length} vectors for ${size} texts`);
            return batch.forEach((j) => j.reject(e));
          }
          let off = 0;
          for (const j of batch) {
            j.resolve(vectors.slice(off, off + j.texts.length));
            off += j.texts.length;
          }
        },
        (e: Error) => batch.forEach((j) => j.reject(e)),
      )
      .finally(() => {
        this.busy = 0;
        this.pump();
      });
  }
}
