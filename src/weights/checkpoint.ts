import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CareError } from "../core/errors.js";
import { SafetensorsFile } from "./safetensors.js";
import type { TensorSource } from "./source.js";

/**
 * A Hugging Face checkpoint folder: config.json plus model.safetensors, or shards listed in
 * model.safetensors.index.json. Readers that only need tensors take any TensorSource as `W` (tests
 * pass in-memory weights).
 */
export interface Checkpoint<W extends TensorSource = CheckpointWeights> {
  dir: string;
  config: Record<string, unknown>;
  weights: W;
}

/** The weights of a checkpoint, one file or sharded, read tensor by tensor. */
export class CheckpointWeights implements TensorSource {
  private readonly owner = new Map<string, SafetensorsFile>();

  constructor(readonly files: SafetensorsFile[]) {
    for (const f of files) for (const n of f.names()) this.owner.set(n, f);
  }

  names(): string[] {
    return [...this.owner.keys()];
  }
  has(name: string): boolean {
    return this.owner.has(name);
  }
  shape(name: string): number[] {
    return this.file(name).shape(name);
  }
  float32(name: string): Float32Array {
    return this.file(name).float32(name);
  }
  /** The file holding a tensor, for readers that want its stored dtype or raw bytes. */
  file(name: string): SafetensorsFile {
    const f = this.owner.get(name);
    if (!f) throw new CareError(`no tensor "${name}" in ${this.files.map((x) => x.file).join(", ")}`);
    return f;
  }
  close(): void {
    for (const f of this.files) f.close();
  }
}

export function readJsonFile(file: string, what: string): unknown {
  if (!existsSync(file)) throw new CareError(`missing ${what}`, file);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CareError(`corrupt ${what}: ${(e as Error).message}`, file);
  }
}

export function openCheckpoint(dir: string): Checkpoint {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CareError("not a checkpoint folder", dir);
  const configFile = join(dir, "config.json");
  const config = readJsonFile(configFile, "config.json");
  if (!config || typeof config !== "object" || Array.isArray(config)) {
    throw new CareError("config.json is not a JSON object", configFile);
  }
  return { dir, config: config as Record<string, unknown>, weights: openWeights(dir) };
}

export function openWeights(dir: string): CheckpointWeights {
  const single = join(dir, "model.safetensors");
  const index = join(dir, "model.safetensors.index.json");
  if (existsSync(index)) return openSharded(dir, index);
  if (existsSync(single)) return new CheckpointWeights([SafetensorsFile.open(single)]);
  const hint = existsSync(join(dir, "pytorch_model.bin"))
    ? " (pytorch_model.bin is not read: convert it to safetensors)"
    : "";
  throw new CareError(`no model.safetensors or model.safetensors.index.json${hint}`, dir);
}

function openSharded(dir: string, index: string): CheckpointWeights {
  const parsed = readJsonFile(index, "safetensors index") as { weight_map?: unknown };
  const map = parsed?.weight_map;
  if (!map || typeof map !== "object" || Array.isArray(map)) {
    throw new CareError('safetensors index has no "weight_map" object', index);
  }
  const byFile = new Map<string, string[]>();
  for (const [name, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== "string" || file.includes("/") || file.includes("\\")) {
      throw new CareError(`weight_map entry "${name}" names no shard file in this folder`, index);
    }
    byFile.set(file, [...(byFile.get(file) ?? []), name]);
  }
  const files: SafetensorsFile[] = [];
  try {
    for (const [file, names] of byFile) {
      const shard = SafetensorsFile.open(join(dir, file));
      files.push(shard);
      const missing = names.find((n) => !shard.has(n));
      if (missing)
        throw new CareError(`index maps "${missing}" to this shard but it is not there`, shard.file);
    }
  } catch (e) {
    for (const f of files) f.close();
    throw e;
  }
  return new CheckpointWeights(files);
}
