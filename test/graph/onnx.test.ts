import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Graph } from "../../src/graph/ir.js";
import { linear } from "../../src/graph/nn.js";
import { saveModel, toOnnxBytes, weightBytes } from "../../src/graph/onnx.js";
import { softmax } from "../../src/graph/ops.js";
import { ProtoWriter } from "../../src/graph/protobuf.js";
import { openGraph } from "../../src/runtime/open-graph.js";
import { Session } from "../../src/runtime/session.js";
import { rng } from "../../src/util/rng.js";

const dir = mkdtempSync(join(tmpdir(), "care-onnx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ProtoWriter", () => {
  it("encodes varints, negative int64, fixed32 and nested messages as protobuf does", () => {
    const inner = new ProtoWriter().varint(1, 300);
    const bytes = new ProtoWriter().varint(2, -1).float32(3, 1.5).message(4, inner).string(5, "é").finish();
    expect(Array.from(bytes)).toEqual([
      0x10,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x01, // field 2, -1 as 10-byte varint
      0x1d,
      0x00,
      0x00,
      0xc0,
      0x3f, // field 3, fixed32 1.5
      0x22,
      0x03,
      0x08,
      0xac,
      0x02, // field 4, length 3: field 1 = 300
      0x2a,
      0x02,
      0xc3,
      0xa9, // field 5, UTF-8 string
    ]);
  });
});

function model(reads: { count: number }, seed = 11, shift = 0): { graph: Graph; w: Float32Array } {
  const r = rng(seed);
  const w = Float32Array.from({ length: 64 * 32 }, () => r() - 0.5);
  const g = new Graph();
  const x = g.input("x", "float32", ["batch", 64]);
  const wv = g.initializer("w", "float32", [64, 32], () => {
    reads.count++;
    return w;
  });
  const b = g.constant(
    "float32",
    [32],
    Float32Array.from({ length: 32 }, (_, i) => i / 32 + shift),
  );
  g.output("y", softmax(linear(x, wv, b), -1));
  return { graph: g, w };
}

describe("saveModel", () => {
  const x = Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i));
  const feeds = { x: { dtype: "float32" as const, shape: [2, 64], data: x } };

  it("writes weights as external data above the threshold, and ORT loads them from the side file", async () => {
    const reads = { count: 0 };
    const { graph } = model(reads);
    const inline = await Session.create(toOnnxBytes(graph));
    const expected = (await inline.run(feeds)).y.data as Float32Array;
    await inline.dispose();

    const file = join(dir, "ext.onnx");
    expect(saveModel(graph, file, { externalDataThreshold: 1024 })).toEqual({ external: true });
    expect(reads.count).toBe(2);
    const side = `${file}.data`;
    expect(existsSync(side)).toBe(true);
    expect(statSync(side).size).toBeGreaterThanOrEqual(weightBytes(graph) - 32 * 4);
    // The model file holds no weight bytes: it is much smaller than the 8 KiB matrix.
    expect(statSync(file).size).toBeLessThan(2048);
    expect(readFileSync(file).includes(Buffer.from("ext.onnx.data"))).toBe(true);

    const session = await Session.create(file);
    const got = (await session.run(feeds)).y.data as Float32Array;
    await session.dispose();
    expect(Array.from(got)).toEqual(Array.from(expected));
  });

  it("keeps weights inline below the threshold", async () => {
    const { graph } = model({ count: 0 });
    const file = join(dir, "inline.onnx");
    expect(saveModel(graph, file)).toEqual({ external: false });
    expect(existsSync(`${file}.data`)).toBe(false);
    expect(statSync(file).size).toBeGreaterThan(64 * 32 * 4);
    const session = await Session.create(file);
    expect((await session.run(feeds)).y.shape).toEqual([2, 32]);
    await session.dispose();
  });

  it("reports a model ORT cannot load as a CareError naming the file", async () => {
    const file = join(dir, "ext.onnx.data");
    await expect(Session.create(file)).rejects.toThrow(/ext\.onnx\.data: ONNX Runtime could not load/);
  });
});

describe("openGraph", () => {
  const x = Float32Array.from({ length: 64 }, (_, i) => Math.cos(i));
  const feeds = { x: { dtype: "float32" as const, shape: [1, 64], data: x } };
  const run = async (session: Session) => {
    const y = Array.from((await session.run(feeds)).y.data as Float32Array);
    await session.dispose();
    return y;
  };
  const files = (cacheDir: string) =>
    readdirSync(cacheDir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".onnx"))
      .sort();

  it("opens a graph over the limit from a cached external-data file, written once, same outputs as from memory", async () => {
    const cacheDir = mkdtempSync(join(dir, "cache-"));
    const reads = { count: 0 };
    const viaBytes = await run(await openGraph(model(reads).graph));
    expect(reads.count).toBe(1);
    const viaFile = await run(await openGraph(model(reads).graph, { inMemoryWeights: 0, cacheDir }));
    // Without a weights key the weights are hashed (one read), then written (another).
    expect(reads.count).toBe(3);
    const written = files(cacheDir);
    expect(written).toHaveLength(1);
    expect(existsSync(join(cacheDir, `${written[0]}.data`))).toBe(true);
    const stamp = statSync(join(cacheDir, written[0])).mtimeMs;
    expect(viaFile).toEqual(viaBytes);

    const again = await run(await openGraph(model(reads).graph, { inMemoryWeights: 0, cacheDir }));
    expect(reads.count).toBe(4);
    expect(again).toEqual(viaBytes);
    expect(files(cacheDir)).toEqual(written);
    expect(statSync(join(cacheDir, written[0])).mtimeMs).toBe(stamp);
  });

  it("keys the file by the weights and by the graph: other weights or another constant get their own", async () => {
    const cacheDir = mkdtempSync(join(dir, "cache-"));
    const reads = { count: 0 };
    const open = (graph: Graph) => openGraph(graph, { inMemoryWeights: 0, cacheDir }).then(run);
    const base = await open(model(reads).graph);
    const otherWeights = await open(model(reads, 12).graph);
    const otherGraph = await open(model(reads, 11, 0.5).graph);
    expect(files(cacheDir)).toHaveLength(3);
    expect(otherWeights).not.toEqual(base);
    expect(otherGraph).not.toEqual(base);
  });

  it("with a weights key finds the cached file without reading the weights", async () => {
    const cacheDir = mkdtempSync(join(dir, "cache-"));
    const reads = { count: 0 };
    const o = { inMemoryWeights: 0, cacheDir, weightsKey: "checkpoint-a" };
    await run(await openGraph(model(reads).graph, o));
    expect(reads.count).toBe(1);
    await run(await openGraph(model(reads).graph, o));
    expect(reads.count).toBe(1);
    await run(await openGraph(model(reads).graph, { ...o, weightsKey: "checkpoint-b" }));
    expect(files(cacheDir)).toHaveLength(2);
  });
});
