import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadedBy, NATIVE_PACKAGES } from "./loaded-modules.js";

/**
 * The published package, end to end: `npm pack` (which builds dist/), the tarball's file list, then an
 * install into an empty project, where the README's TypeScript example is type-checked and run.
 * Dependencies come from npm's cache or the registry. node-llama-cpp (optional, ~700 MB of platform
 * builds) is left out, which also shows the package works without it.
 */
const ROOT = new URL("../../", import.meta.url).pathname;
const NODE_MODULES = join(ROOT, "node_modules");
const work = mkdtempSync(join(tmpdir(), "care-pack-"));
const project = join(work, "consumer");
let tarball: string;
let files: string[];

const npm = (args: string[], cwd: string) =>
  execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
const version = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;

beforeAll(() => {
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", work], ROOT)) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(work, packed.filename);
  files = packed.files.map((f) => f.path);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm pack", () => {
  it("holds the compiled package, the CLI and the notices, and nothing else", () => {
    for (const f of [
      "package.json",
      "README.md",
      "LICENSE",
      "NOTICE",
      "CHANGELOG.md",
      "bin/care.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/cli/main.js",
      "dist/entry/bench.js",
      "dist/entry/bench.d.ts",
      "dist/adapters/langchain.js",
      "dist/adapters/llamaindex.js",
      "dist/serve/encoder-worker.js",
    ])
      expect(files).toContain(f);
    const stray = files.filter(
      (f) =>
        !/^(bin|dist)\//.test(f) &&
        !["package.json", "README.md", "LICENSE", "NOTICE", "CHANGELOG.md"].includes(f),
    );
    expect(stray).toEqual([]);
    expect(files.filter((f) => f.endsWith(".map") || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual(
      [],
    );
  });
});

describe("the tarball installed into an empty project", () => {
  beforeAll(() => {
    execFileSync("mkdir", ["-p", project]);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    npm(["install", tarball, "--prefer-offline", "--omit=optional", "--ignore-scripts"], project);
    // --omit=optional also left out the platform builds of dependencies (jieba's): add this machine's.
    const platform: string[] = [];
    for (const name of readdirSync(join(project, "node_modules"), { recursive: true }) as string[]) {
      const manifest = join(project, "node_modules", name, "package.json");
      if (!existsSync(manifest)) continue;
      const optional = (
        JSON.parse(readFileSync(manifest, "utf8")) as { optionalDependencies?: Record<string, string> }
      ).optionalDependencies;
      for (const [dep, range] of Object.entries(optional ?? {}))
        if (dep !== "node-llama-cpp" && existsSync(join(NODE_MODULES, dep))) platform.push(`${dep}@${range}`);
    }
    if (platform.length)
      npm(
        ["install", "--no-save", "--prefer-offline", "--omit=optional", "--ignore-scripts", ...platform],
        project,
      );
    // better-sqlite3 compiles its addon in an install script (npm 11 asks users to approve it); reuse this
    // checkout's build of the same version instead of compiling again.
    const sqlite = join(project, "node_modules", "better-sqlite3");
    const built = join(NODE_MODULES, "better-sqlite3", "build", "Release", "better_sqlite3.node");
    if (version(sqlite) === version(join(NODE_MODULES, "better-sqlite3")) && existsSync(built)) {
      execFileSync("mkdir", ["-p", join(sqlite, "build", "Release")]);
      copyFileSync(built, join(sqlite, "build", "Release", "better_sqlite3.node"));
    } else npm(["rebuild", "better-sqlite3"], project);
  }, 400_000);

  it("installed without node-llama-cpp", () => {
    expect(existsSync(join(project, "node_modules", "care-retrieval", "dist", "index.js"))).toBe(true);
    expect(existsSync(join(project, "node_modules", "node-llama-cpp"))).toBe(false);
  });

  it("type-checks and runs the README's TypeScript example", () => {
    copyFileSync(join(ROOT, "examples", "quickstart.ts"), join(project, "quickstart.ts"));
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: ["node"],
          typeRoots: [join(NODE_MODULES, "@types")],
        },
        files: ["quickstart.ts"],
      }),
    );
    execFileSync(process.execPath, [join(NODE_MODULES, "typescript", "bin", "tsc"), "-p", project], {
      cwd: project,
      encoding: "utf8",
    });
    const out = execFileSync(
      process.execPath,
      ["--import", join(NODE_MODULES, "tsx", "dist", "esm", "index.mjs"), "quickstart.ts"],
      { cwd: project, encoding: "utf8" },
    );
    expect(out).toMatch(/^bm25 on Tiny-Retrieval: ndcg_at_10 = 1\.000$/m);
    expect(out).toMatch(/^3 documents indexed; top hits: d\d \(-?\d\.\d{3}\), d\d/m);
  });

  it("care-retrieval/bench from the installed package loads no native addon", () => {
    const { packages, addons } = loadedBy("care-retrieval/bench", project);
    expect(packages).toContain("care-retrieval");
    for (const name of NATIVE_PACKAGES) expect(packages).not.toContain(name);
    expect(addons).toEqual([]);
  });

  it("the installed care command prints its version", () => {
    const out = execFileSync(join(project, "node_modules", ".bin", "care"), ["--version"], {
      encoding: "utf8",
    });
    expect(out.trim()).toBe(version(ROOT));
  });
});
