/**
 * The training loop: seeded shuffling, micro-batches, the linear warm-up/decay schedule, a JSONL loss
 * log, periodic checkpoints, and resume. A checkpoint folder `checkpoint-<step>` holds the model as a
 * Hugging Face folder (via `save`) plus `optimizer.safetensors` (exact parameters in graph layout and
 * AdamW moments) and `trainer-state.json`; it is assembled under a temporary name and renamed, then
 * `latest.json` is replaced atomically, so a SIGKILL at any point leaves the previous checkpoint
 * usable. The data order is a pure function of (seed, step), so a resumed run sees the batches the
 * uninterrupted run would have.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../runtime/session.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { Progress } from "../util/progress.js";
import { SafetensorsFile, writeSafetensors } from "../weights/safetensors.js";
import type { AdamWConfig } from "./adamw.js";
import type { FloatData, Param } from "./params.js";
import { lossCurveSvg } from "./plot.js";
import { mixSeed, permutation } from "../util/rng.js";
import { linearWarmupDecay } from "./schedule.js";
import { Stepper, type OptimizerMode, type TrainSpec } from "./stepper.js";

export interface TrainerOptions<E> {
  outDir: string;
  examples: readonly E[];
  /** Data feeds (e.g. trainingFeeds(...) plus targets) for one micro-batch. */
  collate: (batch: E[]) => Record<string, Tensor>;
  spec: TrainSpec;
  /** Writes the model(s) of a checkpoint into `dir` as Hugging Face folders (e.g. exportCheckpoint). */
  save: (dir: string, params: readonly Param[], values: readonly FloatData[]) => void;
  /** Examples per micro-batch. */
  batchSize: number;
  /** The order examples are visited in (default: a seeded shuffle of all of them each epoch). */
  order?: EpochOrder;
  microBatches?: number;
  /** Optimizer steps in the whole run. */
  steps: number;
  lr: number;
  warmupSteps?: number;
  adamw?: AdamWConfig;
  decay?: (p: Param) => boolean;
  optimizer?: OptimizerMode;
  seed?: number;
  /** Steps between checkpoints (default: only at the end). */
  checkpointEvery?: number;
  /** Checkpoints kept on disk (default 2). */
  keepCheckpoints?: number;
  threads?: number;
  onStep?: (entry: LogEntry) => void;
}

export interface LogEntry {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  grad_norm: number;
  ms: number;
}

interface TrainerState {
  step: number;
  seed: number;
  batchSize: number;
  microBatches: number;
  examples: number;
  steps: number;
}

export interface TrainResult {
  params: Param[];
  values: FloatData[];
  log: LogEntry[];
  /** The step a resumed run started from (0 for a fresh run). */
  resumedFrom: number;
  /** The folder of the final checkpoint. */
  checkpoint: string;
}

/**
 * An epoch's visiting order as a pure function of the epoch (so a resumed run sees the same batches):
 * `length` indices each epoch, which may repeat or leave out examples (batches of one kind, say).
 */
export interface EpochOrder {
  length: number;
  epoch(epoch: number): number[];
}

/** Example indices of optimizer step `step` (micro-batches concatenated), epoch after epoch. */
export function stepIndices(
  n: number,
  perStep: number,
  step: number,
  seed: number,
  cache = new Map<number, number[]>(),
  order: EpochOrder = { length: n, epoch: (e) => permutation(n, mixSeed(seed, e)) },
): { indices: number[]; epoch: number } {
  const indices: number[] = [];
  let epoch = 0;
  const L = order.length;
  for (let pos = step * perStep; pos < (step + 1) * perStep; pos++) {
    epoch = Math.floor(pos / L);
    let perm = cache.get(epoch);
    if (!perm) {
      perm = order.epoch(epoch);
      if (perm.length !== L) throw new Error(`epoch ${epoch} order has ${perm.length} indices, not ${L}`);
      cache.set(epoch, perm);
    }
    indices.push(perm[pos % L]);
  }
  return { indices, epoch };
}

function readLatest(outDir: string): { step: number; dir: string } | undefined {
  const file = join(outDir, "latest.json");
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as { step: number; dir: string };
  } catch (e) {
    throw new CareError(`corrupt checkpoint pointer: ${(e as Error).message}`, file);
  }
}

function readLog(file: string, upTo: number): LogEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .flatMap((l, i) => {
      try {
        return [JSON.parse(l) as LogEntry];
      } catch {
        // A line torn by a kill mid-append is dropped; the resumed run rewrites the log.
        if (i === 0) throw new CareError("loss log is not JSONL", file, 1);
        return [];
      }
    })
    .filter((e) => e.step <= upTo);
}

export async function train<E>(o: TrainerOptions<E>): Promise<TrainResult> {
  const k = o.microBatches ?? 1;
  const seed = o.seed ?? 0;
  const perStep = o.batchSize * k;
  if (o.examples.length < 1) throw new CareError("no training examples");
  mkdirSync(o.outDir, { recursive: true });
  const logFile = join(o.outDir, "loss.jsonl");
  const state: TrainerState = {
    step: 0,
    seed,
    batchSize: o.batchSize,
    microBatches: k,
    examples: o.examples.length,
    steps: o.steps,
  };
  const stepper = await Stepper.create(o.spec, {
    optimizer: o.optimizer,
    adamw: o.adamw,
    decay: o.decay,
    microBatches: k,
    threads: o.threads,
  });
  try {
    let log: LogEntry[] = [];
    const latest = readLatest(o.outDir);
    if (latest) {
      const dir = join(o.outDir, latest.dir);
      const saved = JSON.parse(readFileSync(join(dir, "trainer-state.json"), "utf8")) as TrainerState;
      for (const key of ["seed", "batchSize", "microBatches", "examples"] as const) {
        if (saved[key] !== state[key]) {
          throw new CareError(
            `cannot resume: checkpoint has ${key} ${saved[key]}, this run ${state[key]}`,
            dir,
          );
        }
      }
      const file = SafetensorsFile.open(join(dir, "optimizer.safetensors"));
      try {
        const read = (name: string, like: FloatData): FloatData =>
          like instanceof Float64Array ? Float64Array.from(file.float32(name)) : file.float32(name);
        stepper.restore(
          stepper.params.map((p, i) => read(`param.${p.name}`, stepper.values[i])),
          stepper.params.map((p, i) => ({
            m: read(`m.${p.name}`, stepper.values[i]),
            v: read(`v.${p.name}`, stepper.values[i]),
          })),
          saved.step,
        );
      } finally {
        file.close();
      }
      state.step = saved.step;
      log = readLog(logFile, saved.step);
      writeFileAtomic(logFile, log.map((e) => JSON.stringify(e) + "\n").join(""));
    } else if (existsSync(logFile)) rmSync(logFile);
    const resumedFrom = state.step;

    const schedule = { lr: o.lr, warmupSteps: o.warmupSteps ?? 0, totalSteps: o.steps };
    const perms = new Map<number, number[]>();
    const progress = new Progress("train", o.steps, "steps");
    progress.tick(state.step);
    let checkpoint = latest ? join(o.outDir, latest.dir) : "";
    while (state.step < o.steps) {
      const started = performance.now();
      const { indices, epoch } = stepIndices(o.examples.length, perStep, state.step, seed, perms, o.order);
      const micro = Array.from({ length: k }, (_, j) =>
        o.collate(indices.slice(j * o.batchSize, (j + 1) * o.batchSize).map((i) => o.examples[i])),
      );
      const lr = linearWarmupDecay(schedule, state.step);
      const r = await stepper.step(micro, lr, mixSeed(seed, state.step, 0x10a));
      state.step++;
      if (!Number.isFinite(r.loss)) throw new CareError(`loss became ${r.loss} at step ${state.step}`);
      const entry: LogEntry = {
        step: state.step,
        epoch,
        loss: r.loss,
        lr,
        grad_norm: r.gradNorm,
        ms: Math.round((performance.now() - started) * 10) / 10,
      };
      log.push(entry);
      appendFileSync(logFile, JSON.stringify(entry) + "\n");
      progress.tick();
      o.onStep?.(entry);
      const every = o.checkpointEvery ?? o.steps;
      if (state.step % every === 0 || state.step === o.steps) {
        checkpoint = saveCheckpoint(o, stepper, state, log);
      }
    }
    progress.finish();
    return { params: stepper.params, values: stepper.values, log, resumedFrom, checkpoint };
  } finally {
    await stepper.dispose();
  }
}

function saveCheckpoint<E>(
  o: TrainerOptions<E>,
  stepper: Stepper,
  state: TrainerState,
  log: LogEntry[],
): string {
  const name = `checkpoint-${state.step}`;
  const final = join(o.outDir, name);
  const tmp = join(o.outDir, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  o.save(tmp, stepper.params, stepper.values);
  const f32 = (d: FloatData): Float32Array => (d instanceof Float32Array ? d : Float32Array.from(d));
  writeSafetensors(
    join(tmp, "optimizer.safetensors"),
    stepper.params.flatMap((p, i) => [
      { name: `param.${p.name}`, shape: p.shape, dtype: "F32" as const, data: f32(stepper.values[i]) },
      { name: `m.${p.name}`, shape: p.shape, dtype: "F32" as const, data: f32(stepper.moments[i].m) },
      { name: `v.${p.name}`, shape: p.shape, dtype: "F32" as const, data: f32(stepper.moments[i].v) },
    ]),
  );
  writeFileAtomic(join(tmp, "trainer-state.json"), JSON.stringify(state, null, 2) + "\n");
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeFileAtomic(join(o.outDir, "latest.json"), JSON.stringify({ step: state.step, dir: name }) + "\n");
  writeFileAtomic(join(o.outDir, "loss.svg"), lossCurveSvg(log));
  const keep = o.keepCheckpoints ?? 2;
  const old = readdirSync(o.outDir)
    .map((d) => /^checkpoint-(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a)
    .slice(keep);
  for (const s of old) rmSync(join(o.outDir, `checkpoint-${s}`), { recursive: true, force: true });
  return final;
}
