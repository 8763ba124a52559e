import { Option, type Command } from "commander";
import { nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber } from "./args.js";
import { CARE_DEFAULTS } from "../care/defaults.js";
import type { TrainOutcome } from "../care/outcome.js";
import type { OptimOptions } from "../care/optim.js";
import { trainStage1 } from "../care/train-stage1.js";
import { trainStage2 } from "../care/train-stage2.js";
import { trainSymmetric } from "../care/symmetric.js";
import type { Pooling } from "../models/family.js";
import { printResult } from "./output.js";

const POOLINGS = ["cls", "mean", "last"];

/** The optimisation flags every `care train` command takes. */
function optimFlags(cmd: Command, batch: number): Command {
  return cmd
    .option("--lr <x>", "peak learning rate", positiveNumber, CARE_DEFAULTS.lr)
    .option(
      "--warmup <fraction>",
      "linear warm-up, as a fraction of the steps",
      nonNegativeNumber,
      CARE_DEFAULTS.warmup,
    )
    .option(
      "--weight-decay <x>",
      "AdamW decoupled weight decay",
      nonNegativeNumber,
      CARE_DEFAULTS.weightDecay,
    )
    .option(
      "--clip-norm <x>",
      "global gradient-norm clip (0: none)",
      nonNegativeNumber,
      CARE_DEFAULTS.clipNorm,
    )
    .option("--batch-size <n>", "queries (stage II) or texts (stage I) per step", positiveInt, batch)
    .option("--epochs <n>", "passes over the data", positiveNumber, 1)
    .option("--steps <n>", "optimizer steps (overrides --epochs)", positiveInt)
    .option("--seed <n>", "seed of data order, negatives and LoRA start", nonNegativeInt, CARE_DEFAULTS.seed)
    .option(
      "--save-every <n>",
      "steps between checkpoints (resume points)",
      positiveInt,
      CARE_DEFAULTS.saveEvery,
    )
    .option("--threads <n>", "ONNX Runtime threads", positiveInt)
    .option("--no-dropout", "train without the encoders' configured dropout (BERT: 0.1)");
}

function contrastiveFlags(cmd: Command): Command {
  return cmd
    .option("--temperature <t>", "InfoNCE temperature", positiveNumber, CARE_DEFAULTS.stage2.temperature)
    .option(
      "--group-size <n>",
      "documents per query: its positive and n-1 hard negatives",
      positiveInt,
      CARE_DEFAULTS.stage2.groupSize,
    )
    .option("--query-max-length <n>", "longest query in tokens", positiveInt, CARE_DEFAULTS.queryMaxLength)
    .option("--doc-max-length <n>", "longest document in tokens", positiveInt, CARE_DEFAULTS.docMaxLength)
    .option("--no-instructions", "train queries without the rows' prompt")
    .option(
      "--query-template <t>",
      `how prompt and query combine (default the card's, else "${CARE_DEFAULTS.instructionTemplate}")`,
    );
}

/** The options `contrastiveFlags` adds, as stage II and the symmetric baseline take them. */
function contrastive(f: Record<string, unknown>) {
  return {
    temperature: f.temperature as number,
    groupSize: f.groupSize as number,
    queryMaxLength: f.queryMaxLength as number,
    docMaxLength: f.docMaxLength as number,
    instructions: f.instructions as boolean,
    queryTemplate: f.queryTemplate as string | undefined,
  };
}

function report(o: TrainOutcome, extra: string[] = []): void {
  const resumed = o.resumedFrom ? ` (resumed at step ${o.resumedFrom})` : "";
  printResult(
    { ...o, ...(extra.length ? { notes: extra } : {}) },
    [
      `trained ${o.steps} steps on ${o.examples} examples in ${o.seconds.toFixed(1)}s${resumed}`,
      `loss ${o.firstLoss.toFixed(4)} → ${o.lastLoss.toFixed(4)} (first and last tenth of the run)`,
      ...Object.entries(o.models).map(([role, dir]) => `${role} encoder: ${dir}`),
      `loss log: ${o.lossLog}; plot: ${o.lossPlot}`,
      ...extra,
    ].join("\n"),
  );
}

type Flags = OptimOptions & Record<string, unknown>;

function optim(f: Flags): OptimOptions {
  return {
    lr: f.lr,
    warmup: f.warmup,
    weightDecay: f.weightDecay,
    clipNorm: f.clipNorm,
    batchSize: f.batchSize,
    epochs: f.epochs,
    steps: f.steps,
    seed: f.seed,
    saveEvery: f.saveEvery,
    threads: f.threads,
    dropout: f.dropout as boolean,
  };
}

/** `care train stage1 | stage2 | symmetric`: the CARE recipe and its symmetric baseline. */
export function register(program: Command): void {
  const train = program.command("train").description("train encoders: the CARE two-stage recipe (resumable)");

  optimFlags(
    train
      .command("stage1")
      .description("align a query encoder to a frozen document encoder on unlabelled text (InfoNCE + MSE)")
      .requiredOption(
        "--query <dir|spec>",
        "query encoder: checkpoint folder or hf:<org>/<name>[@<revision>] (learns)",
      )
      .requiredOption(
        "--doc <dir|spec>",
        "document encoder: checkpoint folder, hf:, gguf: or openai: spec (frozen)",
      )
      .requiredOption("--data <file>", "stage-I JSONL ({query, pos}) or plain text, one text a line")
      .requiredOption(
        "--out <dir>",
        "run folder: query/ (the trained encoder), checkpoints, loss log and plot",
      )
      .addOption(
        new Option("--format <f>", "input format (default: by extension)").choices(["jsonl", "text"]),
      )
      .option("--cache <dir>", "document-embedding cache (default <out>/doc-cache)")
      .option("--temperature <t>", "InfoNCE temperature", positiveNumber, CARE_DEFAULTS.stage1.temperature)
      .option("--mse-weight <w>", "weight of the MSE term", nonNegativeNumber, CARE_DEFAULTS.stage1.mseWeight)
      .option(
        "--max-length <n>",
        "longest text in tokens (query side)",
        positiveInt,
        CARE_DEFAULTS.queryMaxLength,
      )
      .addOption(
        new Option("--pooling <p>", "query-side pooling")
          .choices(POOLINGS)
          .default(CARE_DEFAULTS.queryPooling),
      )
      .option("--doc-batch-size <n>", "texts per document-encoder call while filling the cache", positiveInt)
      .option("--no-instructions", "the trained card presents queries bare (no instruction template)"),
    CARE_DEFAULTS.stage1.batchSize,
  ).action(async (f: Flags) => {
    report(
      await trainStage1({
        ...optim(f),
        query: f.query as string,
        doc: f.doc as string,
        data: f.data as string,
        out: f.out as string,
        format: f.format as "jsonl" | "text" | undefined,
        cache: f.cache as string | undefined,
        temperature: f.temperature as number,
        mseWeight: f.mseWeight as number,
        maxLength: f.maxLength as number,
        pooling: f.pooling as Pooling,
        docBatchSize: f.docBatchSize as number | undefined,
        instructions: f.instructions as boolean,
      }),
    );
  });

  optimFlags(
    contrastiveFlags(
      train
        .command("stage2")
        .description(
          "train query and document encoders together on labelled rows (InfoNCE with hard negatives)",
        )
        .requiredOption(
          "--query <dir|spec>",
          "query encoder: checkpoint folder or hf:<org>/<name>[@<revision>]",
        )
        .requiredOption(
          "--doc <dir|spec>",
          "document encoder: checkpoint folder or hf:<org>/<name>[@<revision>]",
        )
        .requiredOption("--data <file>", "stage-II JSONL ({query, pos, neg, prompt, type})")
        .requiredOption(
          "--out <dir>",
          "run folder: query/ and doc/ (the trained encoders), checkpoints, loss log and plot",
        ),
    )
      .option("--doc-full", "train every document weight instead of LoRA adapters (small models)")
      .option("--doc-frozen", "train the query encoder only; the document encoder (and its index) stays")
      .option("--lora-rank <n>", "LoRA rank", positiveInt, CARE_DEFAULTS.lora.rank)
      .option("--lora-alpha <n>", "LoRA alpha", positiveNumber, CARE_DEFAULTS.lora.alpha)
      .option("--lora-dropout <p>", "LoRA dropout", nonNegativeNumber, CARE_DEFAULTS.lora.dropout)
      .option(
        "--lora-targets <names>",
        "comma-separated projections to adapt",
        CARE_DEFAULTS.lora.targets.join(","),
      )
      .addOption(
        new Option("--query-pooling <p>", "query-side pooling")
          .choices(POOLINGS)
          .default(CARE_DEFAULTS.queryPooling),
      )
      .addOption(
        new Option("--doc-pooling <p>", "document-side pooling")
          .choices(POOLINGS)
          .default(CARE_DEFAULTS.docPooling),
      ),
    CARE_DEFAULTS.stage2.batchSize,
  ).action(async (f: Flags) => {
    const o = await trainStage2({
      ...optim(f),
      query: f.query as string,
      doc: f.doc as string,
      data: f.data as string,
      out: f.out as string,
      ...contrastive(f),
      docTraining: f.docFrozen ? "frozen" : f.docFull ? "full" : "lora",
      lora: {
        rank: f.loraRank as number,
        alpha: f.loraAlpha as number,
        dropout: f.loraDropout as number,
        targets: (f.loraTargets as string)
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      },
      queryPooling: f.queryPooling as Pooling,
      docPooling: f.docPooling as Pooling,
    });
    report(
      o,
      f.docFrozen
        ? []
        : [
            `the document encoder changed: rebuild every index built with ${f.doc as string} (care index --doc ${o.models.doc} --out <new folder>)`,
          ],
    );
  });

  optimFlags(
    contrastiveFlags(
      train
        .command("symmetric")
        .description("contrastive training of one encoder for both sides (the symmetric baseline)")
        .requiredOption("--model <dir|spec>", "checkpoint folder or hf:<org>/<name>[@<revision>] (learns)")
        .requiredOption("--data <file>", "stage-II JSONL ({query, pos, neg, prompt, type})")
        .requiredOption(
          "--out <dir>",
          "run folder: model/ (the trained encoder), checkpoints, loss log and plot",
        ),
    )
      .addOption(new Option("--pooling <p>", "pooling (default: the model card's)").choices(POOLINGS))
      .option(
        "--matryoshka-dims <list>",
        "comma-separated widths the loss also trains (Matryoshka), e.g. 64,128",
        (v: string) => v.split(",").map((x) => positiveInt(x.trim())),
      ),
    CARE_DEFAULTS.stage2.batchSize,
  ).action(async (f: Flags) => {
    report(
      await trainSymmetric({
        ...optim(f),
        model: f.model as string,
        data: f.data as string,
        out: f.out as string,
        ...contrastive(f),
        pooling: f.pooling as Pooling | undefined,
        matryoshkaDims: f.matryoshkaDims as number[] | undefined,
      }),
    );
  });
}
