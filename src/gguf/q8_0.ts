import { f16ToF32, f32ToF16 } from "../weights/dtype.js";

/**
 * ggml's Q8_0: blocks of 32 values, each an f16 scale d = max|x| / 127 followed by 32 int8 codes
 * round(x / d). Arithmetic follows quantize_row_q8_0_ref in float32 (Math.fround) with C's roundf
 * (halves away from zero), so our bytes match llama.cpp's own quantiser.
 */
export const Q8_0_BLOCK = 32;
export const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

/** Quantises `src` (length a multiple of 32) into `out` (34 bytes per block). */
export function quantizeQ8_0(src: Float32Array, out: Uint8Array): void {
  if (src.length % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values`);
  const blocks = src.length / Q8_0_BLOCK;
  if (out.length < blocks * Q8_0_BLOCK_BYTES) throw new Error("Q8_0 output buffer too small");
  const scales = new Float32Array(blocks);
  const codes = new Int8Array(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < blocks; b++) {
    const base = b * Q8_0_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(src[base + j]));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    scales[b] = d;
    const o = b * Q8_0_BLOCK_BYTES + 2;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const x = Math.fround(src[base + j] * id);
      codes[o + j] = Math.sign(x) * Math.round(Math.abs(x));
    }
  }
  const half = f32ToF16(scales);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < blocks; b++) view.setUint16(b * Q8_0_BLOCK_BYTES, half[b], true);
}

/** The inverse, as ggml's dequantize_row_q8_0: x = d * q with d read back from f16. */
export function dequantizeQ8_0(bytes: Uint8Array, count: number): Float32Array {
  const blocks = count / Q8_0_BLOCK;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const half = new Uint16Array(blocks);
  for (let b = 0; b < blocks; b++) half[b] = view.getUint16(b * Q8_0_BLOCK_BYTES, true);
  const scales = f16ToF32(half);
  const out = new Float32Array(count);
  for (let b = 0; b < blocks; b++)
    for (let j = 0; j < Q8_0_BLOCK; j++)
      out[b * Q8_0_BLOCK + j] = scales[b] * view.getInt8(b * Q8_0_BLOCK_BYTES + 2 + j);
  return out;
}
