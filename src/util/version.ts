import { readFileSync } from "node:fs";

interface PackageJson {
  version: string;
  optionalDependencies?: Record<string, string>;
}

/** This package's package.json (two folders above src/util and dist/util). */
const PACKAGE = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as PackageJson;

export const VERSION: string = PACKAGE.version;

/** The version range this package declares for an optional dependency. */
export function optionalRange(name: string): string | undefined {
  return PACKAGE.optionalDependencies?.[name];
}
