/**
 * Float conversions between the storage dtypes of checkpoints (f16, bf16) and float32, done on plain
 * typed arrays because Node 20 has no Float16Array. Rounding is to nearest even, as torch does.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** All 65536 half values, built once: a table lookup beats bit twiddling per element. */
let halfTable: Float32Array | undefined;
function half(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

export function f16ToF32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const t = half();
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
  return out;
}

export function bf16ToF32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  return out;
}

export function f32ToBf16(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) {
    f32[0] = src[i];
    const u = u32[0];
    if ((u & 0x7f800000) === 0x7f800000 && u & 0x7fffff) out[i] = 0x7fc0;
    else out[i] = (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
  }
  return out;
}

export function f32ToF16(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) out[i] = oneF32ToF16(src[i]);
  return out;
}

function oneF32ToF16(v: number): number {
  f32[0] = v;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit bit in and round to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const rounded = (mant >>> shift) + roundBit(mant, shift);
    return sign | rounded;
  }
  const rounded = (mant >>> 13) + roundBit(mant, 13);
  if (rounded === 0x400) {
    e += 1;
    if (e >= 31) return sign | 0x7c00;
    return sign | (e << 10);
  }
  return sign | (e << 10) | rounded;
}

/** 1 when the bits shifted out round the kept part up (ties to even). */
function roundBit(mant: number, shift: number): number {
  const halfway = 1 << (shift - 1);
  const rest = mant & ((1 << shift) - 1);
  if (rest > halfway) return 1;
  if (rest < halfway) return 0;
  return (mant >>> shift) & 1;
}
