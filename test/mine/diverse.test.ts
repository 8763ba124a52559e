import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Embedder } from "../../src/core/embedder.js";
import { loadEmbedder } from "../../src/embed/load.js";
import { mineDiverse } from "../../src/mine/diverse.js";
import { binOf } from "../../src/mine/histogram.js";
import { QUESTIONS, readJsonlSync, tinyBert, tmp, writeJsonl } from "./helpers.js";

const dir = tmp("diverse");
let spec: string;
let embedder: Embedder;

beforeAll(async () => {
  spec = tinyBert(join(dir, "bert"), QUESTIONS);
  embedder = await loadEmbedder(spec);
});
afterAll(async () => {
  await embedder.close?.();
  rmSync(dir, { recursive: true, force: true });
});

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe("care mine diverse", () => {
  it("discards exact and whitespace near-duplicates and keeps every distinct text", async () => {
    // Distinct questions, each followed later by a copy and a copy with spaces inserted.
    const rows = [
      ...QUESTIONS.map((q, i) => ({ query: q, id: `o${i}` })),
      ...QUESTIONS.map((q, i) => ({ query: q, id: `c${i}` })),
      ...QUESTIONS.map((q, i) => ({ query: ` ${q.slice(0, 3)} ${q.slice(3)} `, id: `w${i}` })),
    ];
    // Interleave so that duplicates meet their originals both within and across chunks.
    const order = rows.map((_, i) => (i * 7) % rows.length);
    const input = writeJsonl(
      join(dir, "dups.jsonl"),
      order.map((i) => rows[i]),
    );
    const vecs = await embedder.encodeCorpus(QUESTIONS.map((text, i) => ({ id: String(i), text })));
    let maxDistinct = -1;
    for (let i = 0; i < vecs.length; i++)
      for (let j = i + 1; j < vecs.length; j++) maxDistinct = Math.max(maxDistinct, dot(vecs[i], vecs[j]));
    // The threshold must separate distinct texts from duplicates for the expectation to mean anything.
    expect(maxDistinct).toBeLessThan(0.999);

    const out = join(dir, "dups-kept.jsonl");
    const counts = await mineDiverse({
      in: input,
      out,
      model: spec,
      seeds: 2,
      threshold: 0.999,
      chunkSize: 5,
    });
    const kept = readJsonlSync<{ query: string; id: string }>(out);
    const firstSeen = new Map<string, string>();
    for (const i of order) {
      const norm = rows[i].query.replace(/\s+/g, "");
      if (!firstSeen.has(norm)) firstSeen.set(norm, rows[i].id);
    }
    expect(kept.map((r) => r.id).sort()).toEqual([...firstSeen.values()].sort());
    expect(kept.map((r) => r.id)).toEqual(
      order.map((i) => rows[i].id).filter((id) => kept.some((k) => k.id === id)),
    );
    expect(counts).toMatchObject({ rows: 24, seeds: 2, kept: 8, discarded: 16 });
    const hist = counts.histogram.counts;
    expect(hist.reduce((a, b) => a + b, 0)).toBe(22);
    // Every duplicate has a cosine of 1 to its original, so it lands in the top bin.
    expect(hist[binOf(1)]).toBeGreaterThanOrEqual(16);
    expect(
      existsSync(`${out}.progress.json`) || existsSync(`${out}.partial`) || existsSync(`${out}.kept.f32`),
    ).toBe(false);
  });

  it("equals the one-at-a-time rule at a threshold inside the distinct texts' range", async () => {
    const texts = [...QUESTIONS, ...QUESTIONS.map((q) => q.slice(2) + q.slice(0, 2))];
    const input = writeJsonl(
      join(dir, "mixed.jsonl"),
      texts.map((t, i) => ({ query: "x", pos: [t], n: i })),
    );
    const threshold = 0.95;
    const seeds = 3;
    // Reference: the rule applied literally, one candidate after another, one text per encoder call.
    const keptVecs: Float32Array[] = [];
    const expected: number[] = [];
    for (let i = 0; i < texts.length; i++) {
      const [v] = await embedder.encodeCorpus([{ id: "x", text: texts[i] }]);
      const max = Math.max(-Infinity, ...keptVecs.map((k) => dot(k, v)));
      if (i < seeds || max < threshold) {
        keptVecs.push(v);
        expected.push(i);
      }
    }
    expect(expected.length).toBeGreaterThan(seeds);
    expect(expected.length).toBeLessThan(texts.length);

    const out = join(dir, "mixed-kept.jsonl");
    const counts = await mineDiverse({
      in: input,
      out,
      model: embedder,
      seeds,
      threshold,
      field: "pos",
      chunkSize: 4,
    });
    expect(readJsonlSync<{ n: number }>(out).map((r) => r.n)).toEqual(expected);
    expect(counts.kept).toBe(expected.length);
    expect(counts.discarded).toBe(texts.length - expected.length);
  });

  it("samples seeds by hash with a sample seed, and names the row of a missing field", async () => {
    const input = writeJsonl(
      join(dir, "sampled.jsonl"),
      QUESTIONS.map((q, i) => ({ query: q, n: i })),
    );
    const a = await mineDiverse({
      in: input,
      out: join(dir, "s1.jsonl"),
      model: embedder,
      seeds: 8,
      threshold: 0.5,
      sampleSeed: "x",
    });
    // Every row is a seed: all are kept whatever the threshold.
    expect(a).toMatchObject({ seeds: 8, kept: 8, discarded: 0 });
    const b = await mineDiverse({
      in: input,
      out: join(dir, "s2.jsonl"),
      model: embedder,
      seeds: 1,
      threshold: -1,
      sampleSeed: "x",
    });
    // Nothing is below a cosine of −1: only the sampled seed survives, and it need not be the first row.
    expect(b).toMatchObject({ seeds: 1, kept: 1, discarded: 7 });
    const bad = writeJsonl(join(dir, "bad.jsonl"), [{ query: "胃痛" }, { text: "胃痛" }]);
    await expect(
      mineDiverse({ in: bad, out: join(dir, "bad-out.jsonl"), model: embedder, seeds: 1, threshold: 0.9 }),
    ).rejects.toThrow(/bad\.jsonl:2: field "query"/);
  });
});
