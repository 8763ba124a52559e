import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Type } from "@sinclair/typebox";
import { CareError } from "../core/errors.js";
import { validate } from "../util/validate.js";

/** Settings every judge shares. */
interface JudgeCommon {
  /** Unique, and part of every stored judgment's key: renaming a judge means judging again. */
  name: string;
  /** Pairs this judge works on at once. */
  concurrency: number;
  /** How many times a malformed reply is answered with a correction before the pair is a failure. */
  max_reasks: number;
  temperature: number;
  max_tokens: number;
}

/** An OpenAI-compatible chat completions endpoint (OpenAI, vLLM, llama.cpp server, DeepSeek, Qwen, ...). */
export interface OpenAiJudgeConfig extends JudgeCommon {
  type: "openai";
  /** Up to and including the version segment, e.g. "https://api.example.com/v1". */
  base_url: string;
  model: string;
  /** The NAME of the environment variable holding the key; the key itself never appears in files or logs. */
  api_key_env?: string;
  /** Request starts per minute, spread evenly (one every 60/rpm s), counting retries and re-asks. */
  rpm: number;
  /** Retries of one request after 429, 5xx, timeouts and connection errors. */
  max_retries: number;
  timeout_ms: number;
  /** First backoff delay; it doubles per retry (with full jitter), capped at 60 s. */
  backoff_ms: number;
  /** Ask for `response_format: {type: "json_object"}`; turn off for servers that reject it. */
  json_mode: boolean;
  price_per_1k_input?: number;
  price_per_1k_output?: number;
}

/** A local GGUF model run by node-llama-cpp, its output held to the judgment JSON schema by a grammar. */
export interface GgufJudgeConfig extends JudgeCommon {
  type: "gguf";
  /** Resolved against the judges file's folder. */
  path: string;
  context_size: number;
  /** CPU threads for generation; fewer than the cores avoids ggml's busy-waiting on a shared machine. */
  threads?: number;
}

export type JudgeConfig = OpenAiJudgeConfig | GgufJudgeConfig;

const text = Type.String({ pattern: "\\S", errorMessage: "must be a non-empty string" });
const int = (minimum: number, fallback?: number) =>
  Type.Integer({ minimum, ...(fallback === undefined ? {} : { default: fallback }) });
const num = (minimum: number, fallback?: number) =>
  Type.Number({ minimum, ...(fallback === undefined ? {} : { default: fallback }) });

const common = (concurrency: number) => ({
  name: text,
  type: Type.String(),
  concurrency: int(1, concurrency),
  max_reasks: int(0, 2),
  temperature: num(0, 0),
  max_tokens: int(16, 256),
});

const OPENAI = Type.Object(
  {
    ...common(4),
    base_url: Type.String({ pattern: "^https?://", errorMessage: "must start with http:// or https://" }),
    model: text,
    api_key_env: Type.Optional(text),
    rpm: num(1, 60),
    max_retries: int(0, 5),
    timeout_ms: num(1, 60_000),
    backoff_ms: num(0, 1000),
    json_mode: Type.Boolean({ default: true }),
    price_per_1k_input: Type.Optional(num(0)),
    price_per_1k_output: Type.Optional(num(0)),
  },
  { additionalProperties: false },
);

const GGUF = Type.Object(
  {
    ...common(1),
    path: text,
    context_size: int(256, 4096),
    threads: Type.Optional(int(1)),
  },
  { additionalProperties: false },
);

/**
 * Validates judge settings. `file` names the source in errors and anchors relative GGUF paths.
 * Accepts an array of judges or `{"judges": [...]}`.
 */
export function parseJudgeConfigs(raw: unknown, file: string): JudgeConfig[] {
  const list = Array.isArray(raw) ? raw : (raw as { judges?: unknown } | null)?.judges;
  if (!Array.isArray(list) || list.length === 0) {
    throw new CareError('expected a non-empty array of judges, or {"judges": [...]}', file);
  }
  const names = new Set<string>();
  return list.map((entry: unknown, i) => {
    const where = `judges[${i}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw new CareError(`${where}: expected an object`, file);
    }
    // A setting given as null takes its default, as if absent.
    const given = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== null));
    const type = validate(text, given.type, file, `${where}.type`);
    let judge: JudgeConfig;
    if (type === "openai") {
      const o = validate(OPENAI, given, file, where);
      judge = { ...o, type, base_url: o.base_url.replace(/\/+$/, "") };
    } else if (type === "gguf") {
      const g = validate(GGUF, given, file, where);
      judge = { ...g, type, path: resolve(dirname(file), g.path) };
    } else {
      throw new CareError(`${where}.type: must be "openai" or "gguf", not ${JSON.stringify(type)}`, file);
    }
    if (names.has(judge.name))
      throw new CareError(`${where}.name: "${judge.name}" is used by two judges`, file);
    names.add(judge.name);
    return judge;
  });
}

export function readJudgeConfigs(file: string): JudgeConfig[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new CareError("cannot read the judges file", file);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CareError(`malformed JSON: ${(e as Error).message}`, file);
  }
  return parseJudgeConfigs(raw, file);
}
