import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openCheckpoint } from "../../src/weights/checkpoint.js";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "../../src/weights/dtype.js";
import { SafetensorsFile, writeSafetensors } from "../../src/weights/safetensors.js";
import { CareError } from "../../src/core/errors.js";

const dir = mkdtempSync(join(tmpdir(), "care-st-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = (s / 2 ** 31 - 0.5) * 8;
  }
  return out;
}

describe("dtype conversion", () => {
  it("keeps values exactly representable in f16 and bf16", () => {
    const exact = new Float32Array([
      0,
      -0,
      1,
      -2,
      0.5,
      1024,
      -65504,
      2 ** -14,
      2 ** -24,
      Infinity,
      -Infinity,
    ]);
    expect([...f16ToF32(f32ToF16(exact))]).toEqual([...exact]);
    const bf = new Float32Array([0, 1, -2, 0.5, 3.140625, 2 ** 100, -(2 ** -100), Infinity]);
    expect([...bf16ToF32(f32ToBf16(bf))]).toEqual([...bf]);
  });

  it("rounds to nearest even, overflows to infinity and keeps NaN", () => {
    // 1 + 2^-11 is halfway between two halves: ties go to the even mantissa (1).
    // 1 + 3*2^-11 is halfway too: ties go up to 1 + 2^-9.
    const h = f16ToF32(
      f32ToF16(new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, NaN, 2 ** -25 * 1.5])),
    );
    expect(h[0]).toBe(1);
    expect(h[1]).toBe(1 + 2 ** -9);
    expect(h[2]).toBe(Infinity);
    expect(h[3]).toBeNaN();
    expect(h[4]).toBe(2 ** -24);
    const b = bf16ToF32(f32ToBf16(new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8, NaN])));
    expect(b[0]).toBe(1);
    expect(b[1]).toBe(1 + 2 ** -6);
    expect(b[2]).toBeNaN();
  });

  it("is within half an ulp on random values", () => {
    const v = values(10_000, 7);
    const h = f16ToF32(f32ToF16(v));
    const b = bf16ToF32(f32ToBf16(v));
    let worstH = 0;
    let worstB = 0;
    for (let i = 0; i < v.length; i++) {
      worstH = Math.max(worstH, Math.abs(h[i] - v[i]) / (Math.abs(v[i]) * 2 ** -11 + 2 ** -25));
      worstB = Math.max(worstB, Math.abs(b[i] - v[i]) / (Math.abs(v[i]) * 2 ** -8));
    }
    expect(worstH).toBeLessThanOrEqual(1);
    expect(worstB).toBeLessThanOrEqual(1);
  });
});

describe("safetensors", () => {
  it("round-trips f32 exactly and f16/bf16 through their rounding, with chunked data", () => {
    const a = values(6, 1);
    const b = values(12, 2);
    const c = values(5, 3);
    const file = join(dir, "rt.safetensors");
    writeSafetensors(
      file,
      [
        { name: "a", shape: [2, 3], dtype: "F32", data: a },
        { name: "b.half", shape: [3, 4], dtype: "F16", data: () => [b.subarray(0, 5), b.subarray(5)] },
        { name: "c", shape: [5], dtype: "BF16", data: c },
      ],
      { format: "pt" },
    );
    const st = SafetensorsFile.open(file);
    expect(st.names().sort()).toEqual(["a", "b.half", "c"]);
    expect(st.shape("b.half")).toEqual([3, 4]);
    expect(st.dtype("c")).toBe("BF16");
    expect(st.metadata).toEqual({ format: "pt" });
    expect([...st.float32("a")]).toEqual([...a]);
    expect([...st.float32("b.half")]).toEqual([...f16ToF32(f32ToF16(b))]);
    expect([...st.float32("c")]).toEqual([...bf16ToF32(f32ToBf16(c))]);
    st.close();
    // The header is padded so that the data section is 8-byte aligned.
    const bytes = readFileSync(file);
    expect((8 + Number(bytes.readBigUInt64LE(0))) % 8).toBe(0);
  });

  it("refuses a tensor whose data does not match its shape", () => {
    expect(() =>
      writeSafetensors(join(dir, "bad.safetensors"), [
        { name: "x", shape: [4], dtype: "F32", data: new Float32Array(3) },
      ]),
    ).toThrow(/tensor "x": got 3 values for shape \[4\]/);
  });

  it("names the file for missing, truncated and corrupt files", () => {
    const good = join(dir, "good.safetensors");
    writeSafetensors(good, [{ name: "w", shape: [64], dtype: "F32", data: values(64, 4) }]);

    const missing = join(dir, "nope.safetensors");
    expect(() => SafetensorsFile.open(missing)).toThrow(CareError);
    expect(() => SafetensorsFile.open(missing)).toThrow(missing);

    const truncated = join(dir, "trunc.safetensors");
    writeFileSync(truncated, readFileSync(good));
    truncateSync(truncated, readFileSync(good).length - 10);
    expect(() => SafetensorsFile.open(truncated)).toThrow(new RegExp(`${truncated}.*tensor "w".*truncated`));

    const tiny = join(dir, "tiny.safetensors");
    writeFileSync(tiny, Buffer.from([1, 2, 3]));
    expect(() => SafetensorsFile.open(tiny)).toThrow(`${tiny}: not a safetensors file`);

    const hugeHeader = join(dir, "huge.safetensors");
    const buf = Buffer.alloc(16);
    buf.writeBigUInt64LE(10n ** 12n);
    writeFileSync(hugeHeader, buf);
    expect(() => SafetensorsFile.open(hugeHeader)).toThrow(
      `${hugeHeader}: corrupt or truncated safetensors header`,
    );

    const badJson = join(dir, "json.safetensors");
    const body = Buffer.from("{not json");
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(body.length));
    writeFileSync(badJson, Buffer.concat([len, body]));
    expect(() => SafetensorsFile.open(badJson)).toThrow(`${badJson}: corrupt safetensors header`);

    const badSpan = join(dir, "span.safetensors");
    const header = Buffer.from(JSON.stringify({ t: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }));
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(badSpan, Buffer.concat([len, header, Buffer.alloc(8)]));
    expect(() => SafetensorsFile.open(badSpan)).toThrow(
      /tensor "t": data_offsets span 8 bytes but F32\[3\] needs 12/,
    );
  });

  it("loads a sharded checkpoint through its index and names missing shards", () => {
    const ck = join(dir, "sharded");
    writeSafetensors(join(ck, "model-00001-of-00002.safetensors"), [
      { name: "x", shape: [2], dtype: "F32", data: new Float32Array([1, 2]) },
    ]);
    writeSafetensors(join(ck, "model-00002-of-00002.safetensors"), [
      { name: "y", shape: [1, 2], dtype: "BF16", data: new Float32Array([3, 4]) },
    ]);
    const index = {
      metadata: { total_size: 12 },
      weight_map: { x: "model-00001-of-00002.safetensors", y: "model-00002-of-00002.safetensors" },
    };
    writeFileSync(join(ck, "model.safetensors.index.json"), JSON.stringify(index));
    writeFileSync(join(ck, "config.json"), JSON.stringify({ model_type: "bert" }));
    const { config, weights } = openCheckpoint(ck);
    expect(config.model_type).toBe("bert");
    expect(weights.names().sort()).toEqual(["x", "y"]);
    expect([...weights.float32("y")]).toEqual([3, 4]);
    expect(weights.shape("y")).toEqual([1, 2]);
    expect(() => weights.float32("z")).toThrow(/no tensor "z"/);
    weights.close();

    index.weight_map.y = "model-00003-of-00002.safetensors";
    writeFileSync(join(ck, "model.safetensors.index.json"), JSON.stringify(index));
    expect(() => openCheckpoint(ck)).toThrow(join(ck, "model-00003-of-00002.safetensors"));
  });

  it("gives clear errors for a missing or corrupt config.json and missing weights", () => {
    const ck = join(dir, "noconfig");
    writeSafetensors(join(ck, "model.safetensors"), [
      { name: "x", shape: [1], dtype: "F32", data: new Float32Array(1) },
    ]);
    expect(() => openCheckpoint(ck)).toThrow(`${join(ck, "config.json")}: missing config.json`);
    writeFileSync(join(ck, "config.json"), "{");
    expect(() => openCheckpoint(ck)).toThrow(`${join(ck, "config.json")}: corrupt config.json`);
    writeFileSync(join(ck, "config.json"), "[]");
    expect(() => openCheckpoint(ck)).toThrow(/not a JSON object/);
    const empty = join(dir, "noweights");
    writeSafetensors(join(empty, "x.safetensors"), []);
    writeFileSync(join(empty, "config.json"), "{}");
    expect(() => openCheckpoint(empty)).toThrow(
      `${empty}: no model.safetensors or model.safetensors.index.json`,
    );
  });
});
