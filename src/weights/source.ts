import { CareError } from "../core/errors.js";

/**
 * Named tensors as the model families read them. A safetensors checkpoint (one file or sharded) is
 * one implementation; tests may use an in-memory map. Reads are per tensor so a large checkpoint is
 * never held twice in memory.
 */
export interface TensorSource {
  names(): string[];
  has(name: string): boolean;
  shape(name: string): number[];
  /** The tensor as float32 (f16/bf16 converted on read); a missing name is a CareError naming it. */
  float32(name: string): Float32Array;
  /** Releases file handles, where the source holds any. */
  close?(): void;
}

/** An in-memory TensorSource (tests, freshly initialised weights). */
export class MapTensorSource implements TensorSource {
  constructor(readonly tensors: Map<string, { shape: number[]; data: Float32Array }>) {}
  names(): string[] {
    return [...this.tensors.keys()];
  }
  has(name: string): boolean {
    return this.tensors.has(name);
  }
  shape(name: string): number[] {
    return this.get(name).shape;
  }
  float32(name: string): Float32Array {
    return this.get(name).data;
  }
  private get(name: string): { shape: number[]; data: Float32Array } {
    const t = this.tensors.get(name);
    if (!t) throw new CareError(`tensor "${name}" not found`);
    return t;
  }
}
