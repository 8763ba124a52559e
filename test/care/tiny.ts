/** Tiny random checkpoints over a small character set, and texts drawn from it, for the recipe tests. */
import { join } from "node:path";
import { makeTiny } from "../../src/models/make-tiny.js";
import { rng } from "../../src/util/rng.js";

/** 48 common CJK characters: a vocabulary small enough that a one-layer model learns it in seconds. */
export const CHARS = [
  ..."心肝脾肺肾胃肠血骨头痛热咳嗽药片病毒感冒发烧检查治疗医生护士手术疫苗过敏皮肤眼耳鼻喉牙齿腰背腿脚",
];

export function tinyPair(
  root: string,
  o: { qHidden?: number; dHidden?: number } = {},
): { query: string; doc: string } {
  const query = join(root, "bert");
  const doc = join(root, "qwen");
  makeTiny({
    out: query,
    family: "bert",
    layers: 1,
    hidden: o.qHidden ?? 32,
    heads: 2,
    chars: CHARS,
    seed: 1,
    maxPositions: 64,
  });
  makeTiny({
    out: doc,
    family: "qwen3",
    layers: 1,
    hidden: o.dHidden ?? 64,
    heads: 4,
    chars: CHARS,
    seed: 2,
    maxPositions: 64,
  });
  return { query, doc };
}

/** `n` distinct random strings of 4–9 characters from `chars`. */
export function randomTexts(n: number, seed: number, chars: readonly string[] = CHARS): string[] {
  const next = rng(seed);
  const out = new Set<string>();
  while (out.size < n) {
    const len = 4 + Math.floor(next() * 6);
    out.add(Array.from({ length: len }, () => chars[Math.floor(next() * chars.length)]).join(""));
  }
  return [...out];
}
