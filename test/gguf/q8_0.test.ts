import { describe, expect, it } from "vitest";
import { GgmlType } from "../../src/gguf/format.js";
import { dequantizeQ8_0, Q8_0_BLOCK_BYTES, quantizeQ8_0 } from "../../src/gguf/q8_0.js";
import { encodeValues, storageType, tensorBytes } from "../../src/gguf/tensor-type.js";
import { f16ToF32 } from "../../src/weights/dtype.js";

function randomValues(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31 - 0.5) * (1 + (s % 7));
  });
}

describe("Q8_0", () => {
  it("round-trips within half a quantisation step per block", () => {
    const x = randomValues(32 * 64, 3);
    const bytes = new Uint8Array(64 * Q8_0_BLOCK_BYTES);
    quantizeQ8_0(x, bytes);
    const y = dequantizeQ8_0(bytes, x.length);
    for (let b = 0; b < 64; b++) {
      const block = x.subarray(b * 32, b * 32 + 32);
      const amax = Math.max(...block.map(Math.abs));
      // d/2 from rounding the code, plus the f16 rounding of d itself scaled by |q| ≤ 127.
      const bound = (amax / 127) * (0.5 + 127 * 2 ** -11) + 1e-7;
      for (let j = 0; j < 32; j++) expect(Math.abs(y[b * 32 + j] - block[j])).toBeLessThanOrEqual(bound);
    }
  });

  it("stores an f16 scale then 32 int8 codes, the block maximum coded ±127", () => {
    const x = new Float32Array(32).map((_, j) => (j - 16) / 4);
    x[5] = -10;
    const bytes = new Uint8Array(Q8_0_BLOCK_BYTES);
    quantizeQ8_0(x, bytes);
    const d = f16ToF32(new Uint16Array([bytes[0] | (bytes[1] << 8)]))[0];
    expect(d).toBeCloseTo(10 / 127, 5);
    const codes = new Int8Array(bytes.buffer, 2, 32);
    expect(codes[5]).toBe(-127);
    expect(codes[26]).toBe(32); // 2.5 / (10 / 127) = 31.75
    expect(codes[16]).toBe(0);
  });

  it("rounds halves away from zero as C's roundf does", () => {
    const x = new Float32Array(32);
    x[0] = 127; // d = 1 exactly, so codes are the values themselves
    x[1] = 2.5;
    x[2] = -2.5;
    const bytes = new Uint8Array(Q8_0_BLOCK_BYTES);
    quantizeQ8_0(x, bytes);
    const codes = new Int8Array(bytes.buffer, 2, 32);
    expect([codes[0], codes[1], codes[2]]).toEqual([127, 3, -3]);
  });

  it("codes an all-zero block as zero scale and zero codes", () => {
    const bytes = new Uint8Array(Q8_0_BLOCK_BYTES).fill(9);
    quantizeQ8_0(new Float32Array(32), bytes);
    expect([...bytes].every((b) => b === 0)).toBe(true);
  });

  it("refuses lengths that are not whole blocks", () => {
    expect(() => quantizeQ8_0(new Float32Array(33), new Uint8Array(68))).toThrow(/multiple of 32/);
  });
});

describe("tensor storage types", () => {
  it("keeps vectors F32, quantises whole-block rows, falls back to F16 otherwise", () => {
    expect(storageType("q8_0", [64])).toBe(GgmlType.F32);
    expect(storageType("q8_0", [10, 64])).toBe(GgmlType.Q8_0);
    expect(storageType("q8_0", [10, 48])).toBe(GgmlType.F16);
    expect(storageType("f16", [10, 64])).toBe(GgmlType.F16);
    expect(storageType("f32", [10, 64])).toBe(GgmlType.F32);
  });

  it("encodes F16 as little-endian halves and sizes every type", () => {
    const bytes = encodeValues(GgmlType.F16, Float32Array.of(1, -2, 0.5));
    expect([...bytes]).toEqual([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38]);
    expect(tensorBytes(GgmlType.F32, 64)).toBe(256);
    expect(tensorBytes(GgmlType.F16, 64)).toBe(128);
    expect(tensorBytes(GgmlType.Q8_0, 64)).toBe(68);
  });
});
