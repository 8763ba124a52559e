import type { Command } from "commander";
import { register as registerDemo } from "./demo.js";
import { register as registerData } from "./data.js";
import { register as registerModels } from "./models.js";
import { register as registerGguf } from "./gguf.js";
import { register as registerEmbed } from "./embed.js";
import { register as registerBench } from "./bench.js";
import { register as registerReport } from "./report.js";
import { register as registerEvalRun } from "./eval-run.js";
import { register as registerIndex } from "./index-cmd.js";
import { register as registerServe } from "./serve.js";
import { register as registerUpdate } from "./update.js";
import { register as registerCurate } from "./curate.js";
import { register as registerMine } from "./mine.js";
import { register as registerTrain } from "./train.js";
import { register as registerCompletion } from "./completion.js";

/**
 * Every CLI command module exports `register(program)`. Add yours here: one import, one entry.
 */
const modules: ((program: Command) => void)[] = [
  registerDemo,
  registerData,
  registerBench,
  registerReport,
  registerEvalRun,
  registerIndex,
  registerServe,
  registerUpdate,
  registerCurate,
  registerMine,
  registerTrain,
  registerModels,
  registerGguf,
  registerEmbed,
  registerCompletion,
];

export function registerCommands(program: Command): void {
  for (const register of modules) register(program);
}
