import { f32ToF16 } from "../weights/dtype.js";
import { GgmlType } from "./format.js";
import { Q8_0_BLOCK, Q8_0_BLOCK_BYTES, quantizeQ8_0 } from "./q8_0.js";

/** The element types a GGUF file of ours is written in, by the name users type. */
export type GgufOutType = "f32" | "f16" | "q8_0";
export const GGUF_OUT_TYPES: readonly GgufOutType[] = ["f32", "f16", "q8_0"];

/** Bytes that `count` elements take in `type`. */
export function tensorBytes(type: GgmlType, count: number): number {
  switch (type) {
    case GgmlType.F32:
      return count * 4;
    case GgmlType.F16:
      return count * 2;
    case GgmlType.Q8_0:
      return (count / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  }
}

/**
 * Encodes float32 values in `type`. Q8_0 chunks must start and end on 32-value block boundaries,
 * which every row of a tensor whose innermost dimension is a multiple of 32 does.
 */
export function encodeValues(type: GgmlType, src: Float32Array): Uint8Array {
  const out = new Uint8Array(tensorBytes(type, src.length));
  switch (type) {
    case GgmlType.F32:
      out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
      break;
    case GgmlType.F16:
      // Little-endian hosts only (x64, arm64), as the F32 case already assumes.
      f32ToF16(src, new Uint16Array(out.buffer));
      break;
    case GgmlType.Q8_0:
      quantizeQ8_0(src, out);
      break;
  }
  return out;
}

/**
 * The type a tensor is stored in, as llama.cpp's converter chooses it: vectors (norms, biases) stay
 * F32 because they are tiny and precision-sensitive; Q8_0 needs rows that are whole 32-value blocks
 * and falls back to F16 otherwise.
 */
export function storageType(out: GgufOutType, shape: readonly number[]): GgmlType {
  if (out === "f32" || shape.length < 2) return GgmlType.F32;
  if (out === "q8_0" && shape[shape.length - 1] % Q8_0_BLOCK === 0) return GgmlType.Q8_0;
  return GgmlType.F16;
}
