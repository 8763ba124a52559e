import type { Dim } from "./ir.js";

/** Numpy-style broadcasting of two static/symbolic shapes; unknown where it cannot be decided. */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const y = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    out.push(broadcastDim(x, y));
  }
  return out;
}

function broadcastDim(x: Dim, y: Dim): Dim {
  if (x === 1) return y;
  if (y === 1) return x;
  if (x === y) return x;
  if (typeof x === "number" && x !== null) return x;
  if (typeof y === "number" && y !== null) return y;
  return null;
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function sumDims(dims: Dim[]): Dim {
  let total = 0;
  for (const d of dims) {
    if (typeof d !== "number") return null;
    total += d;
  }
  return total;
}
