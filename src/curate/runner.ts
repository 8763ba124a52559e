import { CareError } from "../core/errors.js";
import type { Progress } from "../util/progress.js";
import { ChatRequestError } from "./chat.js";
import type { Judge, JudgeInput } from "./judge.js";
import { RUBRIC_VERSION } from "./rubric.js";
import type { JudgmentStore } from "./store.js";

export interface JudgeRunOptions {
  /** Ask again where the latest judgment is a failure; by default a recorded failure is final. */
  retryFailed?: boolean;
  /** Ticked once per judgment made. */
  progress?: Progress;
}

/** What one run did for one judge (the store's totals cover every run). */
export interface JudgeRunSummary {
  judge: string;
  asked: number;
  scored: number;
  failed: number;
  /** Pairs already judged before this run. */
  skipped: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
}

type Source<T> = AsyncIterable<T> | Iterable<T>;

export function needsJudgment(
  store: JudgmentStore,
  judge: string,
  pairId: string,
  retryFailed = false,
): boolean {
  const s = store.status(judge, RUBRIC_VERSION, pairId);
  return s === undefined || (s === "failed" && retryFailed);
}

/** How many judgments a run would ask for: for the progress total before a long run starts. */
export async function countPending(
  pairs: Source<JudgeInput>,
  judges: readonly string[],
  store: JudgmentStore,
  retryFailed = false,
): Promise<number> {
  let n = 0;
  for await (const p of pairs)
    for (const j of judges) if (needsJudgment(store, j, p.pair_id, retryFailed)) n++;
  return n;
}

/**
 * Bounded work queue of one judge: at most `concurrency` pairs in flight and `buffer` waiting, so a
 * streamed pair file of any size never sits in memory and a fast judge runs ahead of a slow one only
 * as far as its buffer.
 */
class Lane {
  private running = 0;
  private readonly queue: (() => Promise<void>)[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly buffer: number,
  ) {}

  async push(task: () => Promise<void>): Promise<void> {
    while (this.queue.length >= this.buffer) await new Promise<void>((r) => this.roomWaiters.push(r));
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.roomWaiters.shift()?.();
      this.running++;
      void task().finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) {
          for (const w of this.idleWaiters) w();
          this.idleWaiters = [];
        }
      });
    }
  }

  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }
}

/**
 * Asks every judge about every pair it has not judged under the current rubric, appending each
 * judgment to the store the moment it arrives. Pairs stream through; a rerun after a crash asks only
 * what is missing. Stops on a fatal error (bad key, unknown model) after the pairs in flight finish.
 * This is the one judging loop of care: curation and training-data mining both call it.
 */
export async function runJudges(
  pairs: Source<JudgeInput>,
  judges: readonly Judge[],
  store: JudgmentStore,
  opts: JudgeRunOptions = {},
): Promise<JudgeRunSummary[]> {
  const summaries = judges.map((j): JudgeRunSummary => ({
    judge: j.name,
    asked: 0,
    scored: 0,
    failed: 0,
    skipped: 0,
    input_tokens: 0,
    output_tokens: 0,
    cost: 0,
  }));
  const lanes = judges.map((j) => new Lane(j.concurrency, j.concurrency * 2));
  // A pair repeated in the input while its first copy is in flight must not be asked twice.
  const inFlight = judges.map(() => new Set<string>());
  let fatal: Error | undefined;

  // A bad input row stops the reading, but the judgments already in flight still land in the store.
  let inputError: unknown;
  try {
    outer: for await (const pair of pairs) {
      for (let k = 0; k < judges.length; k++) {
        if (fatal) break outer;
        const judge = judges[k];
        const sum = summaries[k];
        if (
          inFlight[k].has(pair.pair_id) ||
          !needsJudgment(store, judge.name, pair.pair_id, opts.retryFailed)
        ) {
          sum.skipped++;
          continue;
        }
        inFlight[k].add(pair.pair_id);
        await lanes[k].push(async () => {
          try {
            if (fatal) return;
            sum.asked++;
            const j = await judge.judge(pair);
            store.append(j);
            if (j.score === null) sum.failed++;
            else sum.scored++;
            sum.input_tokens += j.input_tokens;
            sum.output_tokens += j.output_tokens;
            sum.cost += j.cost;
            opts.progress?.tick();
          } catch (e) {
            fatal ??= e as Error;
          } finally {
            inFlight[k].delete(pair.pair_id);
          }
        });
      }
    }
  } catch (e) {
    inputError = e;
  }
  await Promise.all(lanes.map((l) => l.idle()));
  opts.progress?.finish();
  if (inputError) throw inputError;
  if (fatal) {
    if (fatal instanceof ChatRequestError || fatal instanceof CareError) throw new CareError(fatal.message);
    throw fatal;
  }
  return summaries;
}
