/**
 * The graph IR: plain data that the ONNX writer serialises and that a reverse-mode pass can walk
 * backwards (node list in topological order, producer and consumer maps, typed values).
 */

export type DType = "float32" | "float64" | "int64" | "int32" | "int8" | "uint8" | "bool";

/** A dimension: a size, a symbolic name shared across values ("batch", "seq"), or unknown. */
export type Dim = number | string | null;

export type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export type Attr =
  | { type: "int"; value: number }
  | { type: "float"; value: number }
  | { type: "ints"; value: number[] }
  | { type: "floats"; value: number[] }
  | { type: "string"; value: string };

export interface Value {
  readonly graph: Graph;
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
  /** How the value enters the graph: computed by a node, a runtime input, or a frozen initializer. */
  readonly kind: "node" | "input" | "initializer";
}

export interface Node {
  readonly index: number;
  readonly name: string;
  readonly op: string;
  /** "" is the default ONNX domain; contrib ops use "com.microsoft". */
  readonly domain: string;
  /** null marks an omitted optional input. */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

/**
 * Where an initializer's numbers came from, so that training can map a graph weight back to the
 * checkpoint tensor it was derived from (and undo the transform when exporting).
 */
export interface WeightOrigin {
  tensor: string;
  transform: "none" | "transpose" | "int8-columns" | "int8-scales";
}

export interface Initializer {
  readonly value: Value;
  /** Data, or a thunk read only when serialising so a large checkpoint is never held twice. */
  readonly data: TypedData | (() => TypedData);
  readonly origin?: WeightOrigin;
}

export function int(value: number): Attr {
  return { type: "int", value };
}
export function float(value: number): Attr {
  return { type: "float", value };
}
export function ints(value: number[]): Attr {
  return { type: "ints", value };
}

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4,
  float64: 8,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly producers = new Map<string, Node>();
  private readonly consumers = new Map<string, Node[]>();
  private readonly names = new Set<string>();
  private readonly scalarCache = new Map<string, Value>();
  private counter = 0;

  constructor(readonly name = "care") {}

  /** A fresh value name; `hint` keeps graphs readable in Netron. */
  freshName(hint = "t"): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph value "${name}" defined twice`);
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Dim[]): Value {
    const v: Value = { graph: this, name: this.claim(name), dtype, shape, kind: "input" };
    this.inputs.push(v);
    return v;
  }

  initializer(
    name: string,
    dtype: DType,
    shape: number[],
    data: TypedData | (() => TypedData),
    origin?: WeightOrigin,
  ): Value {
    const v: Value = { graph: this, name: this.claim(name), dtype, shape, kind: "initializer" };
    this.initializers.set(name, { value: v, data, origin });
    return v;
  }

  /** A constant tensor (stored as an initializer). */
  constant(dtype: DType, shape: number[], data: TypedData, hint = "const"): Value {
    return this.initializer(this.freshName(hint), dtype, shape, data);
  }

  /** A shared 0-d or 1-d constant: graphs reuse scalars such as 1, 0.5 or an axis list many times. */
  scalar(dtype: DType, value: number, rank0 = true): Value {
    const key = `${dtype}:${value}:${rank0}`;
    const hit = this.scalarCache.get(key);
    if (hit) return hit;
    const v = this.constant(dtype, rank0 ? [] : [1], typedOf(dtype, [value]), "c");
    this.scalarCache.set(key, v);
    return v;
  }

  /** A shared int64 vector constant (axes, shapes, perms). */
  int64s(values: number[]): Value {
    const key = `i64[${values.join(",")}]`;
    const hit = this.scalarCache.get(key);
    if (hit) return hit;
    const v = this.constant("int64", [values.length], typedOf("int64", values), "c");
    this.scalarCache.set(key, v);
    return v;
  }

  /** Appends a node; the outputs are typed by the caller (the op builders infer them). */
  node(
    op: string,
    inputs: (Value | null)[],
    outputs: { dtype: DType; shape: Dim[]; name?: string }[],
    attrs: Record<string, Attr> = {},
    domain = "",
  ): Value[] {
    for (const i of inputs) if (i && i.graph !== this) throw new Error(`${op}: input from another graph`);
    const outs: Value[] = outputs.map((o) => ({
      graph: this,
      name: this.claim(o.name ?? this.freshName(op.toLowerCase())),
      dtype: o.dtype,
      shape: o.shape,
      kind: "node" as const,
    }));
    const node: Node = {
      index: this.nodes.length,
      name: `${op}_${this.nodes.length}`,
      op,
      domain,
      inputs,
      outputs: outs,
      attrs,
    };
    this.nodes.push(node);
    for (const o of outs) this.producers.set(o.name, node);
    for (const i of inputs) {
      if (!i) continue;
      const list = this.consumers.get(i.name);
      if (list) list.push(node);
      else this.consumers.set(i.name, [node]);
    }
    return outs;
  }

  /** Marks `value` as a graph output called `name` (an Identity when the names differ). */
  output(name: string, value: Value): Value {
    const out =
      value.name === name
        ? value
        : this.node("Identity", [value], [{ dtype: value.dtype, shape: [...value.shape], name }])[0];
    this.outputs.push(out);
    return out;
  }

  producerOf(value: Value): Node | undefined {
    return this.producers.get(value.name);
  }

  consumersOf(value: Value): readonly Node[] {
    return this.consumers.get(value.name) ?? [];
  }

  /** Domains (with opset versions) the nodes use. */
  domains(): Set<string> {
    return new Set(this.nodes.map((n) => n.domain));
  }
}

export function typedOf(dtype: DType, values: ArrayLike<number>): TypedData {
  switch (dtype) {
    case "float32":
      return Float32Array.from(values);
    case "float64":
      return Float64Array.from(values);
    case "int64":
      return BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
    case "int32":
      return Int32Array.from(values);
    case "int8":
      return Int8Array.from(values);
    case "uint8":
    case "bool":
      return Uint8Array.from(values);
  }
}
