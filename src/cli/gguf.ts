import type { Command } from "commander";
import { convertToGguf } from "../gguf/convert.js";
import { GGUF_OUT_TYPES, type GgufOutType } from "../gguf/tensor-type.js";
import { openCheckpoint } from "../weights/checkpoint.js";
import { printResult } from "./output.js";
import { oneOf } from "./args.js";

interface ConvertFlags {
  in: string;
  out: string;
  type: GgufOutType;
}

const typeOption = oneOf(...GGUF_OUT_TYPES);

/** `care gguf convert`: a Qwen2/Qwen3 checkpoint folder to a llama.cpp embedding GGUF (the `gguf:` backend). */
export function register(program: Command): void {
  const gguf = program.command("gguf").description("llama.cpp GGUF files for the Qwen document encoders");
  gguf
    .command("convert")
    .description(
      "convert a Hugging Face Qwen2/Qwen3 checkpoint folder into a GGUF embedding model " +
        "(last-token pooling, end-of-text appended, model card inside); use it as --model gguf:<file>",
    )
    .requiredOption("--in <dir>", "checkpoint folder (config.json, safetensors, tokenizer.json)")
    .requiredOption("--out <file>", "GGUF file to write (atomically)")
    .option(
      "--type <type>",
      `weight type: ${GGUF_OUT_TYPES.join(" | ")}`,
      (v: string) => typeOption(v.toLowerCase()),
      "f16" as GgufOutType,
    )
    .action((o: ConvertFlags) => {
      const type = o.type;
      const ck = openCheckpoint(o.in);
      try {
        const r = convertToGguf(ck, o.out, type);
        printResult(
          { ...r, type },
          `wrote ${r.file}: ${r.arch}, ${type}, ${r.tensors} tensors, ${(r.bytes / 2 ** 20).toFixed(1)} MiB\n`,
        );
      } finally {
        ck.weights.close();
      }
    });
}
