import { readResultRows } from "../bench/report/collect.js";
import type { Command } from "commander";
import {
  charsFromFile,
  makeTiny,
  TINY_FAMILIES,
  TINY_SHAPES,
  type TinyFamily,
  type TinyShape,
} from "../models/make-tiny.js";
import { CareError } from "../core/errors.js";
import type { WriteDtype } from "../weights/safetensors.js";
import { parseSpec } from "../core/spec.js";
import { parseHubId } from "../hub/id.js";
import { pullModel } from "../hub/pull.js";
import { exportFolder } from "../train/st-folder.js";
import { printResult } from "./output.js";
import { nonNegativeInt, oneOf, positiveInt } from "./args.js";

interface MakeTinyFlags {
  family?: TinyFamily;
  shape?: TinyShape;
  out: string;
  layers?: number;
  hidden?: number;
  heads?: number;
  kvHeads?: number;
  intermediate?: number;
  vocabFrom?: string;
  seed: number;
  dtype?: WriteDtype;
}

const dtypeOption = oneOf<WriteDtype>("F32", "F16", "BF16");

/** `care models ...`: checkpoint utilities. */
export function register(program: Command): void {
  const models = program.command("models").description("checkpoint utilities");
  models
    .command("make-tiny")
    .description(
      "write a random Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json, care.json): " +
        "tiny ones for tests and smoke runs, --shape for real-size latency benchmarks",
    )
    .option("--family <family>", `model family: ${TINY_FAMILIES.join(" | ")}`, oneOf(...TINY_FAMILIES))
    .option("--shape <shape>", `real-size preset: ${TINY_SHAPES.join(" | ")}`, oneOf(...TINY_SHAPES))
    .requiredOption("--out <dir>", "output folder")
    .option("--layers <n>", "transformer layers (default 2)", positiveInt)
    .option("--hidden <n>", "hidden size (default 32)", positiveInt)
    .option("--heads <n>", "attention heads (default 4)", positiveInt)
    .option("--kv-heads <n>", "key/value heads, Qwen only (default heads / 2)", positiveInt)
    .option("--intermediate <n>", "MLP width (default 2 × hidden)", positiveInt)
    .option(
      "--vocab-from <file>",
      "text file whose Chinese characters form the vocabulary (default: all CJK)",
    )
    .option("--seed <n>", "random seed", nonNegativeInt, 0)
    .option(
      "--dtype <dtype>",
      "weight dtype: F32 | F16 | BF16 (default F32; BF16 for the Qwen shapes)",
      (v: string) => dtypeOption(v.toUpperCase()),
    )
    .action((o: MakeTinyFlags) => {
      if (!o.family && !o.shape) throw new CareError("give --family or --shape");
      const made = makeTiny({
        out: o.out,
        family: o.family,
        shape: o.shape,
        layers: o.layers,
        hidden: o.hidden,
        heads: o.heads,
        kvHeads: o.kvHeads,
        intermediate: o.intermediate,
        chars: o.vocabFrom ? charsFromFile(o.vocabFrom) : undefined,
        seed: o.seed,
        dtype: o.dtype,
        progress: true,
      });
      const c = made.config;
      printResult(
        { dir: made.dir, config: made.config, card: made.card },
        `wrote ${made.dir}: ${c.model_type}, ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ` +
          `vocab ${c.vocab_size}, ${c.torch_dtype}; card: pooling ${made.card.pooling}, max_length ${made.card.max_length}`,
      );
    });

  models
    .command("pull")
    .description(
      "download a Hub model (hf:<org>/<name>[@<revision>]) into the Hugging Face cache ahead of time; " +
        "prints its snapshot folder",
    )
    .argument("<spec>", "hf:<org>/<name>[@<revision>], or a care: pair with Hub ids on either side")
    .action(async (spec: string) => {
      const parsed = parseSpec(spec);
      const names =
        parsed.kind === "hf" ? [parsed.dir] : parsed.kind === "care" ? [parsed.queryDir, parsed.docDir] : [];
      const refs = names.map((n) => n.replace(/^hf:/, "")).map((n) => ({ n, ref: parseHubId(n) }));
      if (refs.length === 0 || refs.some((r) => !r.ref)) {
        throw new CareError(
          `"${spec}" names no Hub model; expected hf:<org>/<name>[@<revision>] (care: pairs of such ids also work)`,
        );
      }
      const folders: string[] = [];
      for (const { ref } of refs) folders.push(await pullModel(ref!));
      printResult({ folders }, folders.join("\n"));
    });

  models
    .command("export")
    .description(
      "copy a checkpoint folder (e.g. a `care train` result) to one that sentence-transformers and transformers " +
        "load unchanged: config, weights, tokenizer, modules.json, 1_Pooling, Dense, Normalize, prompts, README.md",
    )
    .requiredOption("--in <dir>", "checkpoint folder care reads")
    .requiredOption("--out <dir>", "output folder (replaced once complete)")
    .option("--results <dir>", "`care bench` results for the README's results table")
    .option("--name <name>", "title of the model card (default: the output folder's name)")
    .action((o: { in: string; out: string; results?: string; name?: string }) => {
      exportFolder(o.in, o.out, {
        results: o.results ? readResultRows(o.results) : undefined,
        name: o.name,
      });
      printResult({ out: o.out }, `wrote ${o.out}`);
    });
}
