/**
 * Trainable parameters: an encoder graph's frozen initializers turned into graph inputs (so their
 * values live in TypeScript between steps), and LoRA adapters added beside chosen projections.
 * `importGraph` replays a built graph into a target graph instead of editing it, so several encoders
 * (CARE stage II trains a query and a document encoder together) can share one training graph.
 */
import type { Graph, Initializer, TypedData, Value, WeightOrigin } from "../graph/ir.js";
import { add, matmul, mul } from "../graph/ops.js";
import { rng } from "../util/rng.js";
import { dropout } from "../graph/dropout.js";

export type FloatData = Float32Array | Float64Array;

export interface Param {
  /** The graph input's name. */
  name: string;
  value: Value;
  shape: number[];
  /** Starting values in graph layout (a Linear weight is stored [in, out]). */
  init: () => FloatData;
  /** The checkpoint tensor a full parameter replaces, to write it back on export. */
  origin?: WeightOrigin;
  /** For a LoRA factor: which checkpoint Linear it adapts, and its role. */
  lora?: { tensor: string; factor: "A" | "B"; scale: number };
}

export interface LoraOptions {
  rank: number;
  alpha: number;
  /** Dropout on the adapter's input (0 for none); masks are keyed by the `lora_seed` graph input. */
  dropout?: number;
  /** Linear names the adapters attach to, matched against `<name>.weight` (e.g. "q_proj", "v_proj"). */
  targets: string[];
  /** Seed of the A factors' random start (B starts at zero, so training starts at the base model). */
  seed?: number;
}

export interface ImportOptions {
  /** Prefix for every name the import creates (keeps two encoders' names apart). */
  prefix?: string;
  /** Which checkpoint tensors become trainable inputs (default none); graph constants never do. */
  trainable?: (tensor: string) => boolean;
  /** Source inputs bound to values that already exist in the target (e.g. shared input_ids). */
  bind?: Record<string, Value>;
  lora?: LoraOptions;
}

export interface Imported {
  inputs: Record<string, Value>;
  outputs: Record<string, Value>;
  params: Param[];
  /** The int64 scalar input that keys LoRA dropout masks, when dropout is on. */
  loraSeed?: Value;
}

function isFloat(data: TypedData): data is FloatData {
  return data instanceof Float32Array || data instanceof Float64Array;
}

function resolve(init: Initializer): FloatData {
  const data = typeof init.data === "function" ? init.data() : init.data;
  if (!isFloat(data)) throw new Error(`initializer ${init.value.name} is not float and cannot be trained`);
  return data;
}

function loraTarget(init: Initializer | undefined, targets: string[]): string | undefined {
  const o = init?.origin;
  if (!o || o.transform !== "transpose") return undefined;
  return targets.some((t) => o.tensor.endsWith(`.${t}.weight`) || o.tensor === `${t}.weight`)
    ? o.tensor
    : undefined;
}

/** Replays `source` into `target`, turning chosen initializers into trainable inputs. */
export function importGraph(target: Graph, source: Graph, o: ImportOptions = {}): Imported {
  const prefix = o.prefix ?? "";
  const map = new Map<string, Value>();
  const params: Param[] = [];
  const inputs: Record<string, Value> = {};
  for (const v of source.inputs) {
    const bound = o.bind?.[v.name];
    const mapped = bound ?? target.input(prefix + v.name, v.dtype, [...v.shape]);
    map.set(v.name, mapped);
    inputs[v.name] = mapped;
  }
  for (const init of source.initializers.values()) {
    const v = init.value;
    const name = prefix + v.name;
    const origin = init.origin;
    if (origin && o.trainable?.(origin.tensor) && (v.dtype === "float32" || v.dtype === "float64")) {
      const value = target.input(name, v.dtype, [...v.shape]);
      params.push({ name, value, shape: v.shape as number[], init: () => resolve(init), origin });
      map.set(v.name, value);
    } else map.set(v.name, target.initializer(name, v.dtype, v.shape as number[], init.data, origin));
  }
  let loraSeed: Value | undefined;
  if (o.lora?.dropout) loraSeed = target.input(`${prefix}lora_seed`, "int64", []);
  const r = rng(o.lora?.seed ?? 0);
  for (const node of source.nodes) {
    const ins = node.inputs.map((i) => (i ? map.get(i.name)! : null));
    const outs = target.node(
      node.op,
      ins,
      node.outputs.map((out) => ({ dtype: out.dtype, shape: [...out.shape], name: prefix + out.name })),
      { ...node.attrs },
      node.domain,
    );
    node.outputs.forEach((out, i) => map.set(out.name, outs[i]));
    const tensor =
      node.op === "MatMul" && o.lora
        ? loraTarget(source.initializers.get(node.inputs[1]!.name), o.lora.targets)
        : undefined;
    if (tensor && o.lora) {
      const lora = o.lora;
      const x = ins[0]!;
      const [inDim, outDim] = node.inputs[1]!.shape as number[];
      const scale = lora.alpha / lora.rank;
      const dtype = x.dtype;
      const bound = 1 / Math.sqrt(inDim);
      // PEFT's start: A uniform (Kaiming-style bound), B zero.
      const aInit = new Float64Array(inDim * lora.rank).map(() => (r() * 2 - 1) * bound);
      const mk = (factor: "A" | "B", shape: number[], data: Float64Array): Value => {
        const name = `${prefix}${tensor}.lora_${factor}`;
        const value = target.input(name, dtype, shape);
        const typed = (): FloatData =>
          dtype === "float32" ? Float32Array.from(data) : Float64Array.from(data);
        params.push({ name, value, shape, init: typed, lora: { tensor, factor, scale } });
        return value;
      };
      const a = mk("A", [inDim, lora.rank], aInit);
      const b = mk("B", [lora.rank, outDim], new Float64Array(lora.rank * outDim));
      const xin = lora.dropout && loraSeed ? dropout(x, lora.dropout, loraSeed, params.length) : x;
      const delta = mul(matmul(matmul(xin, a), b), target.scalar(dtype, scale));
      map.set(node.outputs[0].name, add(outs[0], delta));
    }
  }
  const outputs: Record<string, Value> = {};
  for (const out of source.outputs) outputs[out.name] = map.get(out.name)!;
  return { inputs, outputs, params, loraSeed };
}
