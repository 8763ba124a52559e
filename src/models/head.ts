/**
 * What follows the transformer in an embedding model: pooling, then sentence-transformers' Dense
 * modules, built into the same graph so that inference and training share them. Dense weights keep
 * their module folder in their names ("2_Dense/linear.weight"), which is how training writes them
 * back to the folder they came from.
 */
import { join } from "node:path";
import type { Value } from "../graph/ir.js";
import { gelu } from "../graph/nn.js";
import { add, greater, sigmoid, tanh, where } from "../graph/ops.js";
import { CareError } from "../core/errors.js";
import { SafetensorsFile } from "../weights/safetensors.js";
import type { TensorSource } from "../weights/source.js";
import { GraphWeights, type FloatDType } from "./graph-weights.js";
import type { DenseActivation, StDense } from "./sentence-transformers.js";

/** A Dense module with its weights. */
export interface DenseLayer extends StDense {
  weights: TensorSource;
}

/** Names a source's tensors `<prefix>/<name>` (a module's weights beside the transformer's). */
export class PrefixedSource implements TensorSource {
  constructor(
    readonly inner: TensorSource,
    readonly prefix: string,
  ) {}
  private strip(name: string): string {
    if (!name.startsWith(`${this.prefix}/`))
      throw new CareError(`tensor "${name}" is not under ${this.prefix}/`);
    return name.slice(this.prefix.length + 1);
  }
  names(): string[] {
    return this.inner.names().map((n) => `${this.prefix}/${n}`);
  }
  has(name: string): boolean {
    return name.startsWith(`${this.prefix}/`) && this.inner.has(this.strip(name));
  }
  shape(name: string): number[] {
    return this.inner.shape(this.strip(name));
  }
  float32(name: string): Float32Array {
    return this.inner.float32(this.strip(name));
  }
  close(): void {
    this.inner.close?.();
  }
}

/** Opens the weights of each Dense module (`<dir>/<path>/model.safetensors`). */
export function openDense(dir: string, dense: readonly StDense[]): DenseLayer[] {
  const opened: DenseLayer[] = [];
  try {
    for (const d of dense) {
      const file = SafetensorsFile.open(join(dir, d.path, "model.safetensors"));
      opened.push({ ...d, weights: new PrefixedSource(file, d.path) });
    }
  } catch (e) {
    closeDense(opened);
    throw e;
  }
  return opened;
}

export function closeDense(dense: readonly DenseLayer[]): void {
  for (const d of dense) d.weights.close?.();
}

function activate(x: Value, act: DenseActivation): Value {
  switch (act) {
    case "identity":
      return x;
    case "tanh":
      return tanh(x);
    case "sigmoid":
      return sigmoid(x);
    case "gelu":
      return gelu(x);
    case "relu":
      return where(greater(x, x.graph.scalar(x.dtype, 0)), x, x.graph.scalar(x.dtype, 0));
  }
}

/** x [b, in] through the Dense modules in order. */
export function applyDense(x: Value, dense: readonly DenseLayer[], dtype: FloatDType): Value {
  let h = x;
  for (const d of dense) {
    const ck = new GraphWeights(x.graph, d.weights, dtype, undefined, [`${d.path}/`], "linear.weight");
    const y = activate(ck.linear(h, "linear", d.outFeatures, d.inFeatures, d.bias), d.activation);
    if (!d.residual) h = y;
    else if (d.inFeatures === d.outFeatures) h = add(y, h);
    else h = add(y, ck.linear(h, "residual", d.outFeatures, d.inFeatures, false));
  }
  return h;
}
