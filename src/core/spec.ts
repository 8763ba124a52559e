import { CareError } from "./errors.js";

/**
 * Model spec strings, one grammar everywhere (bench, index, serve, mine, curate):
 * `bm25`, `hf:<dir>`, `care:<query-dir>,<doc-dir>`, `gguf:<file>`, `openai:<base-url>#<model>`, and
 * `hybrid[(rrf=<k>|blend=<w>)]:<dense-spec>`, BM25 fused with one of the dense ones.
 * A checkpoint "dir" may also be a Hub id, `<org>/<name>[@<revision>]`: an existing local path wins,
 * and embed/load pulls anything else shaped like an id (see hub/pull.ts).
 */
export type DenseSpec =
  | { kind: "hf"; dir: string }
  | { kind: "care"; queryDir: string; docDir: string }
  | { kind: "gguf"; file: string }
  | { kind: "openai"; baseUrl: string; model: string };

/**
 * How a hybrid model merges the BM25 and dense rankings: reciprocal rank fusion with constant `k`,
 * or a blend of min-max normalised scores in which the dense side weighs `weight` and BM25 the rest.
 */
export type Fusion = { method: "rrf"; k: number } | { method: "blend"; weight: number };

/** Cormack et al.'s constant (SIGIR 2009), which Elasticsearch and Vespa also default to. */
export const DEFAULT_RRF_K = 60;
export const DEFAULT_FUSION: Fusion = { method: "rrf", k: DEFAULT_RRF_K };

export type ModelSpec = { kind: "bm25" } | DenseSpec | { kind: "hybrid"; dense: DenseSpec; fusion: Fusion };

export const SPEC_GRAMMAR =
  "bm25 | hf:<dir> | hf:<org>/<name>[@<revision>] | care:<query>,<doc> | gguf:<file> | openai:<base-url>#<model> | " +
  "hybrid[(rrf=<k>|blend=<w>)]:<dense spec>";

const HYBRID = /^hybrid(?:\((rrf|blend)=([^)]*)\))?:(.+)$/s;

export function parseSpec(spec: string): ModelSpec {
  const s = spec.trim();
  if (s === "bm25") return { kind: "bm25" };
  const hybrid = HYBRID.exec(s);
  if (hybrid) {
    const [, method, value, rest] = hybrid;
    const dense = parseSpec(rest);
    if (dense.kind === "bm25" || dense.kind === "hybrid")
      throw new CareError(`bad model spec "${spec}": hybrid fuses BM25 with a dense model, not with ${rest}`);
    return { kind: "hybrid", dense, fusion: method ? parseFusion(method, value, spec) : DEFAULT_FUSION };
  }
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

/** A fusion written as in a hybrid spec's parentheses: `rrf`, `rrf=<k>` or `blend=<w>`. */
export function parseFusionText(text: string): Fusion {
  const t = text.trim();
  if (t === "rrf") return DEFAULT_FUSION;
  const m = /^(rrf|blend)=(.*)$/.exec(t);
  if (!m) throw new CareError(`bad fusion "${text}"; expected rrf, rrf=<k> or blend=<w>`);
  return parseFusion(m[1], m[2], text);
}

function parseFusion(method: string, value: string, spec: string): Fusion {
  const x = value.trim() === "" ? NaN : Number(value);
  if (method === "rrf" && Number.isFinite(x) && x >= 0) return { method, k: x };
  if (method === "blend" && x >= 0 && x <= 1) return { method, weight: x };
  throw new CareError(
    `bad fusion in "${spec}": ${method === "rrf" ? "rrf=<k> needs k ≥ 0" : "blend=<w> needs 0 ≤ w ≤ 1"}`,
  );
}

/** `hybrid`, with the fusion in parentheses unless it is the default. */
export function hybridPrefix(f: Fusion): string {
  if (f.method === "rrf") return f.k === DEFAULT_RRF_K ? "hybrid" : `hybrid(rrf=${f.k})`;
  return `hybrid(blend=${f.weight})`;
}

export function formatSpec(spec: ModelSpec): string {
  switch (spec.kind) {
    case "bm25":
      return "bm25";
    case "hybrid":
      return `${hybridPrefix(spec.fusion)}:${formatSpec(spec.dense)}`;
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
