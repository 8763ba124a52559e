#!/usr/bin/env node
// The published entry point runs the compiled CLI (npm ci / npm install builds dist/ through "prepare").
import { main, reportError } from "../dist/cli/main.js";

main(process.argv).then(
  () => undefined,
  (e) => {
    process.exitCode = reportError(e);
  },
);
