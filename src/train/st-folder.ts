/**
 * Checkpoint folders that sentence-transformers and transformers load unchanged: the sentence-
 * transformers files and README model card written beside a trained encoder, and `care models
 * export`, which turns any folder care reads into such a folder.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { CareError } from "../core/errors.js";
import { loadCard, writeCard, type ModelCard } from "../models/card.js";
import { familyOf } from "../models/family.js";
import { modelReadme, type ResultRow } from "../models/model-readme.js";
import { readStConfig, type StDense } from "../models/sentence-transformers.js";
import { writeStFiles } from "../models/st-export.js";
import { readJsonFile } from "../weights/checkpoint.js";
import { writeFileAtomic } from "../util/atomic.js";
import { sideFiles } from "./export.js";

/** care's record of how a folder was trained (written by `care train`). */
export const TRAINING_CARD = "care-train.json";

export interface StSide {
  config: Record<string, unknown>;
  card: ModelCard;
  dense: readonly StDense[];
  name?: string;
  base?: string;
  training?: Record<string, unknown>;
  results?: readonly ResultRow[];
}

/** Writes the sentence-transformers files and README.md of a checkpoint folder. */
export function writeStSide(dir: string, s: StSide): void {
  writeStFiles(dir, s.card, s.config.hidden_size as number, s.dense);
  writeFileAtomic(
    join(dir, "README.md"),
    modelReadme({
      name: s.name ?? basename(resolve(dir)),
      config: s.config,
      card: s.card,
      dense: s.dense,
      base: s.base,
      training: s.training,
      results: s.results,
    }),
  );
}

export interface ExportOptions {
  /** Main scores for the README's table (`readResultRows` reads them from a folder of results). */
  results?: readonly ResultRow[];
  /** Title of the model card. */
  name?: string;
}

/**
 * Copies the checkpoint folder `from` (config, weights as they are, tokenizer files, Dense modules)
 * to `to` with sentence-transformers files and a README written from its card; `to` appears whole
 * or not at all.
 */
export function exportFolder(from: string, to: string, o: ExportOptions = {}): void {
  const configFile = join(from, "config.json");
  const config = readJsonFile(configFile, "config.json") as Record<string, unknown>;
  const family = familyOf(config, configFile);
  const st = readStConfig(from);
  const card = loadCard(from, family, config, st);
  const dense = st.modules?.dense ?? [];
  const weights = existsSync(join(from, "model.safetensors.index.json"))
    ? [
        "model.safetensors.index.json",
        ...new Set(
          Object.values(
            (
              readJsonFile(join(from, "model.safetensors.index.json"), "safetensors index") as {
                weight_map: Record<string, string>;
              }
            ).weight_map,
          ),
        ),
      ]
    : ["model.safetensors"];
  for (const w of weights)
    if (!existsSync(join(from, w))) throw new CareError(`missing weights file ${w}`, from);
  const training = existsSync(join(from, TRAINING_CARD))
    ? (readJsonFile(join(from, TRAINING_CARD), "training record") as Record<string, unknown>)
    : undefined;

  const tmp = `${to}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    for (const f of ["config.json", ...weights, ...sideFiles(from)])
      copyFileSync(join(from, f), join(tmp, f));
    if (training) copyFileSync(join(from, TRAINING_CARD), join(tmp, TRAINING_CARD));
    for (const d of dense) {
      mkdirSync(join(tmp, d.path), { recursive: true });
      copyFileSync(join(from, d.path, "model.safetensors"), join(tmp, d.path, "model.safetensors"));
    }
    writeCard(tmp, card);
    writeStSide(tmp, {
      config,
      card,
      dense,
      name: o.name ?? basename(resolve(to)),
      base: typeof training?.base === "string" ? training.base : resolve(from),
      training,
      results: o.results,
    });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  rmSync(to, { recursive: true, force: true });
  renameSync(tmp, to);
}
