/**
 * Every gradient rule by ONNX op type, one file per group of forward ops:
 * elementwise.ts ↔ ops.ts element-wise math and Where; linalg.ts ↔ matmul; norm.ts ↔ softmax,
 * logSoftmax, layerNormalization; reduce.ts ↔ reduceSum, reduceMean; shape.ts ↔ reshape, transpose,
 * (un)squeeze, expand, slice, concat, gather. The composites of nn.ts (GELU, SiLU, RMSNorm, float64
 * erf) are differentiated through the ops they are made of.
 */
import { elementwiseRules } from "./elementwise.js";
import { linalgRules } from "./linalg.js";
import { normRules } from "./norm.js";
import { reduceRules } from "./reduce.js";
import type { GradRule } from "./rule.js";
import { shapeRules } from "./shape.js";

export const GRAD_RULES: Readonly<Record<string, GradRule>> = {
  ...elementwiseRules,
  ...linalgRules,
  ...normRules,
  ...reduceRules,
  ...shapeRules,
};
