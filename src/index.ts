/** The typed library API of care. */
export type { Doc, Embedder, TaskHint } from "./embed/embedder.js";
export { docText, normalize } from "./embed/embedder.js";
export { parseSpec, formatSpec, SPEC_GRAMMAR, type ModelSpec } from "./embed/spec.js";
export type * from "./bench/task.js";
export { CareError } from "./util/errors.js";
