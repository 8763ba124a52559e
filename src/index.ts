/** The typed library API of care. */
export type { Doc, Embedder, TaskHint } from "./embed/embedder.js";
export { docText, normalize } from "./embed/embedder.js";
export { parseSpec, formatSpec, SPEC_GRAMMAR, type ModelSpec } from "./embed/spec.js";
export type * from "./bench/task.js";
export { CareError } from "./util/errors.js";
export { Graph, type DType, type Dim, type Value, type Node as GraphNode } from "./graph/ir.js";
export { toOnnxBytes, saveModel } from "./graph/onnx.js";
export { Session, int64Tensor, type Tensor, type SessionOptions } from "./runtime/session.js";
export {
  buildEncoder,
  familyOf,
  defaultPooling,
  MODEL_TYPES,
  type Family,
  type Pooling,
  type EncoderOptions,
} from "./models/family.js";
