/** Typed reads of Hugging Face config.json fields, with errors that name the file and field. */
import { CareError } from "../core/errors.js";

export type Config = Record<string, unknown>;

export class ConfigReader {
  constructor(
    readonly config: Config,
    readonly file = "config.json",
  ) {}

  has(field: string): boolean {
    return this.config[field] !== undefined && this.config[field] !== null;
  }

  number(field: string, fallback?: number): number {
    const v = this.config[field];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw this.error(`missing field "${field}"`);
    }
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw this.error(`field "${field}" must be a number, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  int(field: string, fallback?: number): number {
    const v = this.number(field, fallback);
    if (!Number.isInteger(v) || v <= 0)
      throw this.error(`field "${field}" must be a positive integer, got ${v}`);
    return v;
  }

  string(field: string, fallback?: string): string {
    const v = this.config[field];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw this.error(`missing field "${field}"`);
    }
    if (typeof v !== "string")
      throw this.error(`field "${field}" must be a string, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.config[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean")
      throw this.error(`field "${field}" must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  error(message: string): CareError {
    return new CareError(message, this.file);
  }
}
