import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cruise, type IForbiddenRuleType, type IViolation } from "dependency-cruiser";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { afterAll, describe, expect, it } from "vitest";

// The same rules `npm run lint:deps` applies: the folder layers and no import cycles.
const root = resolve(import.meta.dirname, "../..");
const config = createRequire(import.meta.url)(join(root, ".dependency-cruiser.cjs")) as {
  forbidden: IForbiddenRuleType[];
};

async function violations(baseDir: string): Promise<IViolation[]> {
  // Imports name `.js` files that exist as `.ts`: resolving them needs the project's tsconfig.
  const tsConfig = extractTSConfig(join(root, "tsconfig.json"));
  const result = await cruise(
    ["src"],
    {
      baseDir,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      tsPreCompilationDeps: true,
      doNotFollow: { path: "node_modules" },
      tsConfig: { fileName: join(root, "tsconfig.json") },
    },
    { extensions: [".ts", ".js"] },
    { tsConfig },
  );
  if (typeof result.output === "string") throw new Error("dependency-cruiser returned text, not a result");
  expect(result.output.summary.totalCruised).toBeGreaterThan(1);
  return result.output.summary.violations;
}

const show = (vs: IViolation[]) => vs.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).join("\n");

describe("architecture", () => {
  const tmp = mkdtempSync(join(tmpdir(), "care-arch-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("src/ imports only downwards through its layers, with no file in an import cycle", async () => {
    const vs = await violations(root);
    expect(show(vs)).toBe("");
  });

  it("gives every folder under src/ a layer", () => {
    const ruled = new Set(config.forbidden.map((r) => r.name?.replace(/^layer-/, "")));
    const folders = readdirSync(join(root, "src"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.filter((f) => !ruled.has(f))).toEqual([]);
  });

  it("catches an upward import and a cycle", async () => {
    mkdirSync(join(tmp, "src/core"), { recursive: true });
    mkdirSync(join(tmp, "src/cli"), { recursive: true });
    writeFileSync(
      join(tmp, "src/core/a.ts"),
      'import { b } from "../cli/b.js";\nexport const a = () => b;\n',
    );
    writeFileSync(
      join(tmp, "src/cli/b.ts"),
      'import { a } from "../core/a.js";\nexport const b = () => a;\n',
    );
    const vs = await violations(tmp);
    expect(new Set(vs.map((v) => v.rule.name))).toEqual(new Set(["layer-core", "no-circular"]));
  });
});
