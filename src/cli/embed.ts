import { readStConfig, ST_MODEL_FILE } from "../models/sentence-transformers.js";
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { Option, type Command } from "commander";
import { positiveInt } from "./args.js";
import { CareError } from "../core/errors.js";
import { SPEC_GRAMMAR } from "../core/spec.js";
import type { Embedder } from "../core/embedder.js";
import { loadEmbedder } from "../embed/load.js";
import { NpyWriter } from "../util/npy.js";
import { Progress } from "../util/progress.js";

interface EmbedFlags {
  model: string;
  input: string;
  out?: string;
  format: "jsonl" | "npy";
  prompt?: string;
  promptName?: string;
  batchSize: number;
  threads?: number;
}

/** `care embed`: the quick way to see what a model gives for some texts. */
export function register(program: Command): void {
  program
    .command("embed")
    .description(
      'embed texts (plain lines, or JSONL with a "text" field) as they are, a prompt put in front only where given: ' +
        'one {"embedding": [...]} per line, or a float32 .npy of shape [n, dim]',
    )
    .requiredOption("--model <spec>", `model: ${SPEC_GRAMMAR}`)
    .option("--input <file>", "input file; - for stdin", "-")
    .option("--out <file>", "output file (default stdout)")
    .addOption(new Option("--format <f>", "output format").choices(["jsonl", "npy"]).default("jsonl"))
    .option("--prompt <text>", "text put before every input")
    .option("--prompt-name <name>", "a prompt of the model's config_sentence_transformers.json")
    .option("--batch-size <n>", "texts per encoder call", positiveInt, 32)
    .option("--threads <n>", "threads for an in-process encoder", positiveInt)
    .action(async (o: EmbedFlags) => {
      if (o.prompt !== undefined && o.promptName !== undefined)
        throw new CareError("give --prompt or --prompt-name, not both");
      if (o.format === "npy" && !o.out)
        throw new CareError("--format npy needs --out <file> (.npy is binary)");
      if (o.input !== "-" && !existsSync(o.input)) throw new CareError("file not found", o.input);
      const embedder = await loadEmbedder(o.model, { threads: o.threads });
      try {
        const prompt = o.promptName !== undefined ? namedPrompt(embedder, o.promptName) : (o.prompt ?? "");
        await embedAll(embedder, o, prompt);
      } finally {
        await embedder.close?.();
      }
    });
}

async function embedAll(embedder: Embedder, o: EmbedFlags, prompt: string): Promise<void> {
  const progress = new Progress(`embed · ${embedder.name}`, undefined, "texts");
  const tmp = o.out && o.format === "jsonl" ? `${o.out}.tmp-${process.pid}` : undefined;
  const npy = o.out && o.format === "npy" ? new NpyWriter(o.out, embedder.dim) : undefined;
  const sink: Writable | undefined = npy ? undefined : tmp ? createWriteStream(tmp) : process.stdout;
  const write = async (text: string) => {
    if (sink && !sink.write(text)) await once(sink, "drain");
  };
  const encode = textEncoder(embedder, prompt);
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = await encode(batch.map((text) => prompt + text));
    for (const r of rows) {
      if (npy) npy.append(r);
      else await write(`{"embedding":${JSON.stringify(Array.from(r))}}\n`);
    }
    progress.tick(rows.length);
    batch = [];
  };
  try {
    for await (const text of inputTexts(o.input)) {
      batch.push(text);
      if (batch.length >= o.batchSize) await flush();
    }
    await flush();
    npy?.close();
    if (tmp && sink) {
      sink.end();
      await once(sink, "finish");
      renameSync(tmp, o.out!);
    }
    progress.finish();
  } catch (e) {
    npy?.abort();
    if (tmp) {
      sink?.destroy();
      rmSync(tmp, { force: true });
    }
    throw e;
  }
}

/**
 * The texts of a file or stdin, blank lines skipped. The first non-blank line decides the format: a
 * JSON object makes it JSONL, where every line must be an object with a string "text"; else each line
 * is a text.
 */
async function* inputTexts(input: string): AsyncGenerator<string> {
  const name = input === "-" ? "<stdin>" : input;
  const stream = input === "-" ? process.stdin : createReadStream(input, { encoding: "utf8" });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let jsonl: boolean | undefined;
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    if (line.trim() === "") continue;
    jsonl ??= isJsonObject(line);
    if (!jsonl) {
      yield line;
      continue;
    }
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new CareError(`malformed JSON: ${(e as Error).message}`, name, n);
    }
    const text = (v as { text?: unknown } | null)?.text;
    if (typeof text !== "string")
      throw new CareError('expected an object with a string field "text"', name, n);
    yield text;
  }
}

function isJsonObject(line: string): boolean {
  if (!line.trimStart().startsWith("{")) return false;
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === "object" && !Array.isArray(v);
  } catch {
    return false;
  }
}

/**
 * How texts are embedded: a checkpoint's own text path, which adds no prompt of the model's and is told
 * which prefix is the prompt (so a model whose pooling leaves the prompt out can); any other embedder's
 * document path.
 */
function textEncoder(embedder: Embedder, prompt: string): (texts: string[]) => Promise<Float32Array[]> {
  const own = embedder as { encodeTexts?: (texts: string[], prompt?: string) => Promise<Float32Array[]> };
  if (own.encodeTexts) return (texts) => own.encodeTexts!(texts, prompt);
  return (texts) => embedder.encodeCorpus(texts.map((text, i) => ({ id: String(i), text })));
}

/** A prompt of the checkpoint's sentence-transformers config (the document side of a CARE pair). */
function namedPrompt(embedder: Embedder, name: string): string {
  const side = (embedder as { document?: Embedder }).document ?? embedder;
  const dir = (side as { dir?: unknown }).dir;
  if (typeof dir !== "string")
    throw new CareError(`--prompt-name needs a checkpoint folder; ${side.name} is not one`);
  const model = readStConfig(dir).model;
  if (!model)
    throw new CareError(`no prompts: the checkpoint has no ${ST_MODEL_FILE}`, join(dir, ST_MODEL_FILE));
  if (!(name in model.prompts)) {
    throw new CareError(
      `field "prompts" has no prompt "${name}"; known: ${Object.keys(model.prompts).join(", ") || "none"}`,
      model.file,
    );
  }
  return model.prompts[name];
}
