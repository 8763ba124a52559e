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

function model(reads: { count: number }): { graph: Graph; w: Float32Array } {
  const r = rng(11);
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
    Float32Array.from({ length: 32 }, (_, i) => i / 32),
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

  it("loads large models through a temporary external-data file and removes it", async () => {
    const tempDir = mkdtempSync(join(dir, "open-"));
    const reads = { count: 0 };
    const { graph } = model(reads);
    const viaFile = await openGraph(graph, { inMemoryLimit: 0, tempDir });
    expect(readdirSync(tempDir)).toEqual([]);
    const viaBytes = await openGraph(graph);
    expect(reads.count).toBe(2);
    const a = (await viaFile.run(feeds)).y.data as Float32Array;
    const b = (await viaBytes.run(feeds)).y.data as Float32Array;
    await viaFile.dispose();
    await viaBytes.dispose();
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
