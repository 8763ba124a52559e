import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Packages whose import loads a native addon. */
export const NATIVE_PACKAGES = [
  "onnxruntime-node",
  "better-sqlite3",
  "node-llama-cpp",
  "@node-rs/jieba",
  "usearch",
];

/**
 * Imports `specifier` in a fresh Node process (from `cwd`, with tsx when `tsx` is set) and returns every
 * package the import resolved into and every native addon (.node file) it opened.
 */
export function loadedBy(
  specifier: string,
  cwd: string,
  tsx = false,
): { packages: string[]; addons: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "care-loaded-"));
  try {
    const log = join(dir, "resolved.txt");
    // A resolve hook (it runs on the loader thread, hence the file) and a dlopen spy.
    const hooks = join(dir, "hooks.mjs");
    writeFileSync(
      hooks,
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + "\\n");
  return r;
}`,
    );
    // The importing file sits in `cwd`, so that a bare specifier resolves from there.
    const main = join(cwd, `.care-loaded-${process.pid}-${Date.now()}.mjs`);
    writeFileSync(
      main,
      `import { register } from "node:module";
import { appendFileSync } from "node:fs";
register(${JSON.stringify(pathToFileURL(hooks).href)});
const dlopen = process.dlopen;
process.dlopen = (module, file, ...rest) => { appendFileSync(${JSON.stringify(log)}, "addon:" + file + "\\n"); return dlopen(module, file, ...rest); };
await import(${JSON.stringify(specifier)});`,
    );
    try {
      execFileSync(process.execPath, [...(tsx ? ["--import", "tsx/esm"] : []), main], { cwd, stdio: "pipe" });
    } finally {
      rmSync(main, { force: true });
    }
    const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
    const packages = new Set<string>();
    for (const url of lines) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      if (m) packages.add(m[1]);
    }
    return {
      packages: [...packages].sort(),
      addons: lines.filter((l) => l.startsWith("addon:")).map((l) => l.slice(6)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
