import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CareError } from "../core/errors.js";

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

class Fields {
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly where: string,
    private readonly file: string,
  ) {}

  private fail(field: string, what: string): never {
    throw new CareError(`${this.where}.${field}: ${what}`, this.file);
  }

  str(field: string): string {
    const v = this.obj[field];
    if (typeof v !== "string" || v.trim() === "") this.fail(field, "must be a non-empty string");
    return v;
  }

  optStr(field: string): string | undefined {
    return this.obj[field] === undefined ? undefined : this.str(field);
  }

  num(field: string, fallback: number | undefined, opts: { min?: number; int?: boolean } = {}): number {
    const v = this.obj[field] ?? fallback;
    if (v === undefined) this.fail(field, "is required");
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(field, "must be a number");
    if (opts.int && !Number.isInteger(v)) this.fail(field, "must be an integer");
    if (opts.min !== undefined && v < opts.min) this.fail(field, `must be at least ${opts.min}`);
    return v;
  }

  optNum(field: string): number | undefined {
    return this.obj[field] === undefined ? undefined : this.num(field, undefined, { min: 0 });
  }

  optInt(field: string, min: number): number | undefined {
    return this.obj[field] === undefined ? undefined : this.num(field, undefined, { min, int: true });
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.obj[field] ?? fallback;
    if (typeof v !== "boolean") this.fail(field, "must be true or false");
    return v;
  }

  rejectUnknown(known: readonly string[]): void {
    for (const k of Object.keys(this.obj)) {
      if (!known.includes(k)) this.fail(k, `unknown setting (known: ${known.join(", ")})`);
    }
  }
}

const COMMON = ["name", "type", "concurrency", "max_reasks", "temperature", "max_tokens"] as const;
const OPENAI = [
  ...COMMON,
  "base_url",
  "model",
  "api_key_env",
  "rpm",
  "max_retries",
  "timeout_ms",
  "backoff_ms",
  "json_mode",
  "price_per_1k_input",
  "price_per_1k_output",
] as const;
const GGUF = [...COMMON, "path", "context_size", "threads"] as const;

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
  return list.map((entry, i) => {
    const where = `judges[${i}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw new CareError(`${where}: expected an object`, file);
    }
    const f = new Fields(entry as Record<string, unknown>, where, file);
    const name = f.str("name");
    if (names.has(name)) throw new CareError(`${where}.name: "${name}" is used by two judges`, file);
    names.add(name);
    const type = f.str("type");
    const common = {
      name,
      concurrency: f.num("concurrency", type === "gguf" ? 1 : 4, { min: 1, int: true }),
      max_reasks: f.num("max_reasks", 2, { min: 0, int: true }),
      temperature: f.num("temperature", 0, { min: 0 }),
      max_tokens: f.num("max_tokens", 256, { min: 16, int: true }),
    };
    if (type === "openai") {
      f.rejectUnknown(OPENAI);
      const base_url = f.str("base_url").replace(/\/+$/, "");
      if (!/^https?:\/\//.test(base_url))
        throw new CareError(`${where}.base_url: must start with http:// or https://`, file);
      return {
        ...common,
        type,
        base_url,
        model: f.str("model"),
        api_key_env: f.optStr("api_key_env"),
        rpm: f.num("rpm", 60, { min: 1 }),
        max_retries: f.num("max_retries", 5, { min: 0, int: true }),
        timeout_ms: f.num("timeout_ms", 60_000, { min: 1 }),
        backoff_ms: f.num("backoff_ms", 1000, { min: 0 }),
        json_mode: f.bool("json_mode", true),
        price_per_1k_input: f.optNum("price_per_1k_input"),
        price_per_1k_output: f.optNum("price_per_1k_output"),
      };
    }
    if (type === "gguf") {
      f.rejectUnknown(GGUF);
      return {
        ...common,
        type,
        path: resolve(dirname(file), f.str("path")),
        context_size: f.num("context_size", 4096, { min: 256, int: true }),
        threads: f.optInt("threads", 1),
      };
    }
    throw new CareError(`${where}.type: must be "openai" or "gguf", not ${JSON.stringify(type)}`, file);
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
