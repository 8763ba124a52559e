/**
 * Runs optimizer steps: the training graph(s) in ONNX Runtime, parameters and AdamW moments held in
 * TypeScript between steps and passed as inputs without copying. Two optimizers compute the same
 * update: "typescript" (the graph outputs gradients; AdamW updates the arrays in place) and "graph"
 * (the graph outputs new parameters and moments, which replace the old arrays).
 */
import type { Graph, Value } from "../graph/ir.js";
import { openGraph } from "../runtime/open-graph.js";
import type { Session, Tensor } from "../runtime/session.js";
import { adamwStep, type AdamWConfig, type Moments } from "./adamw.js";
import type { FloatData, Param } from "./params.js";
import { pruneRows } from "./prune-rows.js";
import { buildTrainGraph, decayMatrices, type TrainGraphOptions } from "./train-graph.js";

/** A forward graph ending in a scalar loss; built afresh for every training-graph variant. */
export interface TrainSpec {
  /** `seeds`: int64 scalar inputs keying dropout masks (LoRA's, the encoders'), fed a seed each step. */
  build(): { graph: Graph; loss: Value; params: Param[]; seeds?: (Value | undefined)[] };
}

export type OptimizerMode = "graph" | "typescript";

export interface StepperOptions {
  optimizer?: OptimizerMode;
  adamw?: AdamWConfig;
  /** Which parameters get weight decay (default: matrices). */
  decay?: (p: Param) => boolean;
  /** Micro-batches whose gradients are summed (then averaged) per optimizer step (default 1). */
  microBatches?: number;
  threads?: number;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
}

interface Variant {
  session: Session;
  seeds: string[];
}

async function variant(
  spec: TrainSpec,
  o: TrainGraphOptions,
  threads: number,
): Promise<Variant & { params: Param[] }> {
  const built = spec.build();
  const { graph, loss, params } = pruneRows(built.graph, built.loss, built.params);
  buildTrainGraph(graph, loss, params, o);
  // No spin-waiting: the step's many short kernels leave the second thread idle often, and spinning
  // it took CPU from the working thread (2x256 BERT step: 939-1111 -> 630-678 ms wall under load).
  const session = await openGraph(graph, { threads, spinWait: false });
  const inputs = new Set(graph.inputs.map((v) => v.name));
  const seeds = (built.seeds ?? []).flatMap((v) => (v && inputs.has(v.name) ? [v.name] : []));
  return { session, params, seeds };
}

export class Stepper {
  /** Optimizer steps taken (AdamW's t before the next step). */
  steps = 0;

  private constructor(
    readonly params: Param[],
    /** Current values, graph layout, in `params` order. */
    public values: FloatData[],
    public moments: Moments[],
    private readonly decay: boolean[],
    private readonly dtype: "float32" | "float64",
    private readonly o: Required<Pick<StepperOptions, "optimizer" | "microBatches">> & { adamw: AdamWConfig },
    /** Gradient graph (typescript mode), accumulate graph (graph mode, k > 1). */
    private readonly grads: Variant | undefined,
    /** AdamW graph (graph mode). */
    private readonly update: Variant | undefined,
    private acc: FloatData[] | undefined,
  ) {}

  static async create(spec: TrainSpec, o: StepperOptions = {}): Promise<Stepper> {
    // The in-graph AdamW is the default: faster per step by wall time on both benchmark shapes
    // (`npm run bench:train`, quiet machine: 2x256 BERT 32x64 194.9 vs 221.9 ms, bert-base 8x64 3.92 vs
    // 4.16 s), though it keeps the second thread busier (bert-base: 8.4 vs 6.3 CPU s a step).
    const mode = o.optimizer ?? "graph";
    const k = o.microBatches ?? 1;
    const threads = o.threads ?? 2;
    const decide = o.decay ?? decayMatrices;
    const adamw = { ...o.adamw, decay: decide };
    let grads: (Variant & { params: Param[] }) | undefined;
    let update: (Variant & { params: Param[] }) | undefined;
    if (mode === "typescript") grads = await variant(spec, {}, threads);
    else {
      update = await variant(spec, { adamw, accumulate: k > 1 }, threads);
      if (k > 1) grads = await variant(spec, { accumulate: true }, threads);
    }
    const params = (update ?? grads)!.params;
    const values = params.map((p) => p.init().slice());
    const dtype = values[0] instanceof Float64Array ? "float64" : "float32";
    const zeros = (): FloatData[] =>
      values.map((v) => (dtype === "float64" ? new Float64Array(v.length) : new Float32Array(v.length)));
    const m = zeros();
    const v = zeros();
    const acc = k > 1 ? zeros() : undefined;
    return new Stepper(
      params,
      values,
      params.map((_, i) => ({ m: m[i], v: v[i] })),
      params.map(decide),
      dtype,
      { optimizer: mode, microBatches: k, adamw: o.adamw ?? {} },
      grads,
      update,
      acc,
    );
  }

  private scalar(v: number): Tensor {
    return {
      dtype: this.dtype,
      shape: [],
      data: this.dtype === "float64" ? Float64Array.of(v) : Float32Array.of(v),
    };
  }

  private paramFeeds(prefix: string, arrays: FloatData[]): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    this.params.forEach(
      (p, i) => (feeds[prefix + p.name] = { dtype: this.dtype, shape: p.shape, data: arrays[i] }),
    );
    return feeds;
  }

  private withSeed(v: Variant, feeds: Record<string, Tensor>, seed: number): Record<string, Tensor> {
    const out = { ...feeds };
    for (const name of v.seeds)
      out[name] = { dtype: "int64", shape: [], data: BigInt64Array.of(BigInt(seed >>> 1)) };
    return out;
  }

  /** One optimizer step over `micro.length` micro-batches (data feeds), at learning rate `lr`. */
  async step(micro: Record<string, Tensor>[], lr: number, seed = 0): Promise<StepResult> {
    const k = this.o.microBatches;
    if (micro.length !== k) throw new Error(`expected ${k} micro-batches, got ${micro.length}`);
    const t = this.steps + 1;
    let lossSum = 0;
    let gradNorm: number;
    if (this.o.optimizer === "typescript") {
      let grads: FloatData[] = [];
      for (let j = 0; j < k; j++) {
        const out = await this.grads!.session.run(
          this.withSeed(this.grads!, { ...micro[j], ...this.paramFeeds("", this.values) }, seed + j),
        );
        lossSum += Number(out["loss"].data[0]);
        const g = this.params.map((p) => out[`grad.${p.name}`].data as FloatData);
        if (k === 1) grads = g;
        else {
          if (j === 0) this.acc!.forEach((a) => a.fill(0));
          this.acc!.forEach((a, i) => {
            const gi = g[i];
            for (let x = 0; x < a.length; x++) a[x] += gi[x];
          });
          grads = this.acc!;
        }
      }
      gradNorm = adamwStep(this.values, grads, this.moments, this.decay, lr, t, this.o.adamw, 1 / k);
    } else {
      let acc = this.acc;
      if (acc) acc.forEach((a) => a.fill(0));
      for (let j = 0; j < k - 1; j++) {
        const feeds = { ...micro[j], ...this.paramFeeds("", this.values), ...this.paramFeeds("acc.", acc!) };
        const out = await this.grads!.session.run(this.withSeed(this.grads!, feeds, seed + j));
        lossSum += Number(out["loss"].data[0]);
        acc = this.params.map((p) => out[`grad.${p.name}`].data as FloatData);
      }
      const feeds: Record<string, Tensor> = {
        ...micro[k - 1],
        ...this.paramFeeds("", this.values),
        ...this.paramFeeds(
          "m.",
          this.moments.map((x) => x.m),
        ),
        ...this.paramFeeds(
          "v.",
          this.moments.map((x) => x.v),
        ),
        ...(acc ? this.paramFeeds("acc.", acc) : {}),
        lr: this.scalar(lr),
        step: this.scalar(t),
        grad_scale: this.scalar(1 / k),
      };
      const out = await this.update!.session.run(this.withSeed(this.update!, feeds, seed + k - 1));
      lossSum += Number(out["loss"].data[0]);
      gradNorm = Number(out["grad_norm"].data[0]);
      this.values = this.params.map((p) => out[`new.${p.name}`].data as FloatData);
      this.moments = this.params.map((p) => ({
        m: out[`new_m.${p.name}`].data as FloatData,
        v: out[`new_v.${p.name}`].data as FloatData,
      }));
    }
    this.steps = t;
    return { loss: lossSum / k, gradNorm };
  }

  /** Replaces the state (resume): values and moments in `params` order, and the steps taken. */
  restore(values: FloatData[], moments: Moments[], steps: number): void {
    this.values = values;
    this.moments = moments;
    this.steps = steps;
  }

  async dispose(): Promise<void> {
    await this.grads?.session.dispose();
    await this.update?.session.dispose();
  }
}
