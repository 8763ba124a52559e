#!/usr/bin/env node
import { Command, Option } from "commander";
import { CareError } from "../core/errors.js";
import { DEVICES, executionProviders } from "../runtime/device.js";
import { VERSION } from "../util/version.js";
import { registerCommands } from "./commands.js";
import { colourFor, setJsonOutput } from "./output.js";

/** Exit statuses: 0 done, 1 the command failed, 2 it was called wrongly (unknown option, bad value). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The `care` command line. Each command lives in its own module under src/cli and registers itself. */
export async function main(argv: string[]): Promise<void> {
  await careProgram().parseAsync(argv);
}

/** The program with every command registered (completion scripts are generated from it). */
export function careProgram(): Command {
  const program = new Command("care")
    .description("Chinese medical retrieval: CMedTEB benchmark harness and CARE asymmetric encoders")
    .version(VERSION, "-V, --version", "print the version")
    .option("--json", "print the command's result as JSON on stdout (messages go to stderr)")
    .showHelpAfterError()
    .exitOverride()
    .addOption(
      new Option("--device <device>", "where ONNX models run (default $CARE_DEVICE, else cpu)").choices(
        DEVICES,
      ),
    )
    .hook("preAction", (cmd, action) => {
      setJsonOutput(Boolean(action.optsWithGlobals().json));
      // The choice travels as CARE_DEVICE so that encoder worker threads and child processes see it too;
      // checking it now refuses a missing CUDA provider before any model is pulled or built.
      const device = (cmd.opts() as { device?: string }).device;
      if (device) process.env.CARE_DEVICE = device;
      executionProviders();
    });
  registerCommands(program);
  return program;
}

/** Prints an error for people and returns the exit status. */
export function reportError(e: unknown): number {
  const prefix = colourFor(process.stderr) ? "\x1b[31mcare:\x1b[0m" : "care:";
  if (e instanceof CareError) {
    process.stderr.write(`${prefix} ${e.message}\n`);
    return EXIT_FAILURE;
  }
  const err = e as { code?: string; exitCode?: number; message?: string; stack?: string };
  // commander has already printed help, the version, or its own message naming the bad argument.
  if (typeof err.code === "string" && err.code.startsWith("commander.")) {
    return err.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  process.stderr.write(`${prefix} ${err.message ?? String(e)}\n`);
  if (process.env.CARE_DEBUG) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write("care: (unexpected error; set CARE_DEBUG=1 for the stack trace)\n");
  return EXIT_FAILURE;
}

const isEntry = process.argv[1] && /[\\/]cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv).then(
    () => undefined,
    (e) => {
      process.exitCode = reportError(e);
    },
  );
}
