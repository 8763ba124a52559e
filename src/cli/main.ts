#!/usr/bin/env node
import { Command, Option } from "commander";
import { CareError } from "../core/errors.js";
import { DEVICES, executionProviders } from "../runtime/device.js";
import { registerCommands } from "./commands.js";

/** The `care` command line. Each command lives in its own module under src/cli and registers itself. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command("care")
    .description("Chinese medical retrieval: CMedTEB benchmark harness and CARE asymmetric encoders")
    .showHelpAfterError()
    .exitOverride()
    .addOption(
      new Option("--device <device>", "where ONNX models run (default $CARE_DEVICE, else cpu)").choices(
        DEVICES,
      ),
    )
    .hook("preAction", (cmd) => {
      // The choice travels as CARE_DEVICE so that encoder worker threads and child processes see it too;
      // checking it now refuses a missing CUDA provider before any model is pulled or built.
      const device = (cmd.opts() as { device?: string }).device;
      if (device) process.env.CARE_DEVICE = device;
      executionProviders();
    });
  registerCommands(program);
  await program.parseAsync(argv);
}

export function reportError(e: unknown): number {
  if (e instanceof CareError) {
    process.stderr.write(`care: ${e.message}\n`);
    return 1;
  }
  const err = e as { code?: string; exitCode?: number; message?: string; stack?: string };
  // commander has already printed help or its own message for these.
  if (typeof err.code === "string" && err.code.startsWith("commander.")) return err.exitCode ?? 1;
  process.stderr.write(`care: ${err.message ?? String(e)}\n`);
  if (process.env.CARE_DEBUG) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write("care: (unexpected error; set CARE_DEBUG=1 for the stack trace)\n");
  return 1;
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
