import { CareError } from "./errors.js";

/**
 * Model spec strings, one grammar everywhere (bench, index, serve, mine, curate):
 * `bm25`, `hf:<dir>`, `care:<query-dir>,<doc-dir>`, `gguf:<file>`, `openai:<base-url>#<model>`.
 * A checkpoint "dir" may also be a Hub id, `<org>/<name>[@<revision>]`: an existing local path wins,
 * and embed/load pulls anything else shaped like an id (see hub/pull.ts).
 */
export type ModelSpec =
  | { kind: "bm25" }
  | { kind: "hf"; dir: string }
  | { kind: "care"; queryDir: string; docDir: string }
  | { kind: "gguf"; file: string }
  | { kind: "openai"; baseUrl: string; model: string };

export const SPEC_GRAMMAR =
  "bm25 | hf:<dir> | hf:<org>/<name>[@<revision>] | care:<query>,<doc> | gguf:<file> | openai:<base-url>#<model>";

export function parseSpec(spec: string): ModelSpec {
  const s = spec.trim();
  if (s === "bm25") return { kind: "bm25" };
  const colon = s.indexOf(":");
  const scheme = colon > 0 ? s.slice(0, colon) : "";
  const rest = s.slice(colon + 1);
  switch (scheme) {
    case "hf":
      if (rest) return { kind: "hf", dir: rest };
      break;
    case "gguf":
      if (rest) return { kind: "gguf", file: rest };
      break;
    case "care": {
      const parts = rest.split(",");
      if (parts.length === 2 && parts[0] && parts[1])
        return { kind: "care", queryDir: parts[0], docDir: parts[1] };
      break;
    }
    case "openai": {
      const hash = rest.lastIndexOf("#");
      if (hash > 0 && hash < rest.length - 1) {
        return {
          kind: "openai",
          baseUrl: rest.slice(0, hash).replace(/\/+$/, ""),
          model: rest.slice(hash + 1),
        };
      }
      break;
    }
  }
  throw new CareError(`bad model spec "${spec}"; expected ${SPEC_GRAMMAR}`);
}

export function formatSpec(spec: ModelSpec): string {
  switch (spec.kind) {
    case "bm25":
      return "bm25";
    case "hf":
      return `hf:${spec.dir}`;
    case "care":
      return `care:${spec.queryDir},${spec.docDir}`;
    case "gguf":
      return `gguf:${spec.file}`;
    case "openai":
      return `openai:${spec.baseUrl}#${spec.model}`;
  }
}
