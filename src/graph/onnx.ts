/**
 * Serialises a Graph as an ONNX ModelProto (IR version 8, opset 17). Field numbers follow onnx.proto.
 * Weights larger than a protobuf message may hold (2 GiB) go to a side file as ONNX external data.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import {
  BYTES_PER_ELEMENT,
  elementCount,
  type Attr,
  type Graph,
  type Initializer,
  type TypedData,
  type Value,
} from "./ir.js";
import { onnxDataType } from "./ops.js";
import { ProtoWriter } from "./protobuf.js";

export const IR_VERSION = 8;
export const OPSET = 17;
/** Above this many bytes of weights, saveModel writes external data (protobuf's hard cap is 2 GiB). */
export const EXTERNAL_DATA_THRESHOLD = 1_800_000_000;
/** Tensors smaller than this stay inline even in external-data models (shapes, axes, scalars). */
const INLINE_BYTES = 1024;
/** External tensors start on page boundaries so ONNX Runtime can map them directly. */
const ALIGN = 4096;

// onnx.proto field numbers.
const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 };
const OPSET_ID = { domain: 1, version: 2 };
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 };
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 };
const ATTRIBUTE = { name: 1, f: 2, i: 3, s: 4, floats: 7, ints: 8, type: 20 };
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 };
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9, externalData: 13, dataLocation: 14 };
const ENTRY = { key: 1, value: 2 };
const VALUE_INFO = { name: 1, type: 2 };
const TYPE = { tensorType: 1 };
const TENSOR_TYPE = { elemType: 1, shape: 2 };
const SHAPE = { dim: 1 };
const DIMENSION = { value: 1, param: 2 };
const DATA_LOCATION_EXTERNAL = 1;

export interface SaveOptions {
  /** Total weight bytes above which tensors go to `<model>.data` (tests lower it to exercise the path). */
  externalDataThreshold?: number;
}

function bytesOf(data: TypedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function resolveData(init: Initializer): TypedData {
  const data = typeof init.data === "function" ? init.data() : init.data;
  const v = init.value;
  const expected = elementCount(v.shape as number[]);
  if (data.length !== expected) {
    throw new Error(`initializer ${v.name}: ${data.length} elements for shape [${v.shape.join(", ")}]`);
  }
  return data;
}

function encodeAttr(name: string, attr: Attr): ProtoWriter {
  const w = new ProtoWriter().string(ATTRIBUTE.name, name);
  switch (attr.type) {
    case "int":
      w.varint(ATTRIBUTE.i, attr.value).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.int);
      break;
    case "float":
      w.float32(ATTRIBUTE.f, attr.value).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.float);
      break;
    case "ints":
      for (const v of attr.value) w.varint(ATTRIBUTE.ints, v);
      w.varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.ints);
      break;
    case "floats":
      for (const v of attr.value) w.float32(ATTRIBUTE.floats, v);
      w.varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.floats);
      break;
    case "string":
      w.string(ATTRIBUTE.s, attr.value).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.string);
      break;
  }
  return w;
}

function encodeValueInfo(v: Value): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === "number") dim.varint(DIMENSION.value, d);
    else if (typeof d === "string") dim.string(DIMENSION.param, d);
    shape.message(SHAPE.dim, dim);
  }
  const tensorType = new ProtoWriter()
    .varint(TENSOR_TYPE.elemType, onnxDataType(v.dtype))
    .message(TENSOR_TYPE.shape, shape);
  return new ProtoWriter()
    .string(VALUE_INFO.name, v.name)
    .message(VALUE_INFO.type, new ProtoWriter().message(TYPE.tensorType, tensorType));
}

function tensorHeader(v: Value): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of v.shape) w.varint(TENSOR.dims, d as number);
  return w.varint(TENSOR.dataType, onnxDataType(v.dtype)).string(TENSOR.name, v.name);
}

type Placement = (init: Initializer) => ProtoWriter;

function encodeModel(graph: Graph, place: Placement): ProtoWriter {
  const g = new ProtoWriter();
  for (const n of graph.nodes) {
    const node = new ProtoWriter();
    for (const i of n.inputs) node.string(NODE.input, i ? i.name : "");
    for (const o of n.outputs) node.string(NODE.output, o.name);
    node.string(NODE.name, n.name).string(NODE.opType, n.op);
    for (const [name, attr] of Object.entries(n.attrs)) node.message(NODE.attribute, encodeAttr(name, attr));
    if (n.domain) node.string(NODE.domain, n.domain);
    g.message(GRAPH.node, node);
  }
  g.string(GRAPH.name, graph.name);
  for (const init of graph.initializers.values()) g.message(GRAPH.initializer, place(init));
  for (const v of graph.inputs) g.message(GRAPH.input, encodeValueInfo(v));
  for (const v of graph.outputs) g.message(GRAPH.output, encodeValueInfo(v));

  const m = new ProtoWriter()
    .varint(MODEL.irVersion, IR_VERSION)
    .string(MODEL.producerName, "care")
    .string(MODEL.producerVersion, "0.1");
  for (const domain of new Set(["", ...graph.domains()])) {
    const version = domain === "" ? OPSET : 1;
    m.message(
      MODEL.opsetImport,
      new ProtoWriter().string(OPSET_ID.domain, domain).varint(OPSET_ID.version, version),
    );
  }
  return m.message(MODEL.graph, g);
}

/** Total bytes of all initializers (from shapes, without reading lazy data). */
export function weightBytes(graph: Graph): number {
  let total = 0;
  for (const { value } of graph.initializers.values()) {
    total += elementCount(value.shape as number[]) * BYTES_PER_ELEMENT[value.dtype];
  }
  return total;
}

/** The model as one in-memory ModelProto (weights inline); for models under 2 GiB. */
export function toOnnxBytes(graph: Graph): Uint8Array {
  const bytes = weightBytes(graph);
  if (bytes > EXTERNAL_DATA_THRESHOLD) {
    throw new Error(
      `model weights are ${bytes} bytes, over the 2 GiB protobuf limit: save it with external data`,
    );
  }
  return encodeModel(graph, (init) =>
    tensorHeader(init.value).bytes(TENSOR.rawData, bytesOf(resolveData(init))),
  ).finish();
}

/**
 * Writes `file` (and, for large models, `file.data` with the weights) atomically. Lazy weights are
 * read, written and dropped one at a time, so peak memory stays near one tensor.
 */
export function saveModel(graph: Graph, file: string, options: SaveOptions = {}): { external: boolean } {
  const threshold = options.externalDataThreshold ?? EXTERNAL_DATA_THRESHOLD;
  if (weightBytes(graph) <= threshold) {
    writeFileAtomic(file, toOnnxBytes(graph));
    return { external: false };
  }
  const dataName = `${basename(file)}.data`;
  const dataPath = join(dirname(file), dataName);
  const tmp = `${dataPath}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, "w");
  let offset = 0;
  let proto: ProtoWriter;
  try {
    proto = encodeModel(graph, (init) => {
      const data = resolveData(init);
      const header = tensorHeader(init.value);
      if (data.byteLength < INLINE_BYTES) return header.bytes(TENSOR.rawData, bytesOf(data).slice());
      offset = Math.ceil(offset / ALIGN) * ALIGN;
      const bytes = bytesOf(data);
      let written = 0;
      while (written < bytes.length)
        written += writeSync(fd, bytes, written, bytes.length - written, offset + written);
      const entry = (k: string, v: string): ProtoWriter =>
        new ProtoWriter().string(ENTRY.key, k).string(ENTRY.value, v);
      header
        .message(TENSOR.externalData, entry("location", dataName))
        .message(TENSOR.externalData, entry("offset", String(offset)))
        .message(TENSOR.externalData, entry("length", String(bytes.length)))
        .varint(TENSOR.dataLocation, DATA_LOCATION_EXTERNAL);
      offset += bytes.length;
      return header;
    });
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, dataPath);
  writeFileAtomic(file, proto.finish());
  return { external: true };
}
