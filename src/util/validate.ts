import type { Static, TSchema } from "@sinclair/typebox";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import { CareError } from "../core/errors.js";

/**
 * The one validator for settings read from files, the command line and HTTP bodies: a TypeBox schema
 * says what is accepted (HTTP routes hand the same schemas to Fastify, and OpenAPI is generated from
 * them); this turns the first violation into a CareError naming the file and the field.
 *
 * A schema may carry `errorMessage` (the sentence shown when that value is wrong) and properties may
 * carry `default` (filled in before validation, never overwriting a value given).
 */
export function validate<T extends TSchema>(
  schema: T,
  value: unknown,
  file: string | undefined,
  where = "",
): Static<T> {
  const filled = Value.Default(schema, Value.Clone(value));
  const error = Value.Errors(schema, filled).First();
  if (error) throw new CareError(violation(error, where), file);
  return filled as Static<T>;
}

/** "field: what is wrong", the field written as `judges[0].rpm` from TypeBox's JSON pointer. */
export function violation(error: ValueError, where = ""): string {
  const path = fieldPath(error.path, where);
  const said = (error.schema as { errorMessage?: string }).errorMessage;
  const message = error.value === undefined ? "is required" : (said ?? defaultMessage(error));
  return path ? `${path}: ${message}` : message;
}

function fieldPath(pointer: string, where: string): string {
  let out = where;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  }
  return out;
}

function defaultMessage(error: ValueError): string {
  const s = error.schema as {
    minimum?: number;
    maximum?: number;
    minLength?: number;
    maxLength?: number;
    minItems?: number;
    maxItems?: number;
    enum?: unknown[];
    const?: unknown;
    properties?: Record<string, unknown>;
  };
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return "is required";
    case ValueErrorType.ObjectAdditionalProperties:
      return s.properties
        ? `unknown field (known: ${Object.keys(s.properties).join(", ")})`
        : "unknown field";
    case ValueErrorType.Object:
      return "must be an object";
    case ValueErrorType.Array:
      return "must be an array";
    case ValueErrorType.ArrayMinItems:
      return s.minItems === 1 ? "must not be empty" : `must have at least ${s.minItems} items`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${s.maxItems} items`;
    case ValueErrorType.String:
      return "must be a string";
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? "must be a non-empty string" : `must be at least ${s.minLength} characters`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${s.maxLength} characters`;
    case ValueErrorType.Number:
      return "must be a number";
    case ValueErrorType.Integer:
      return "must be an integer";
    case ValueErrorType.Boolean:
      return "must be true or false";
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be at least ${s.minimum}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be at most ${s.maximum}`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(s.const)}`;
    default:
      return error.message.replace(/^Expected/, "must be");
  }
}

/** Reads one command-line value (a string) as the JSON value the schema describes, e.g. an integer. */
export function cliValue<T extends TSchema>(schema: T, text: string): Static<T> {
  const value: unknown = schema.type === "string" ? text : text.trim() === "" ? text : Number(text);
  const error = Value.Errors(schema, value).First();
  if (error) throw new CareError(violation(error));
  return value as Static<T>;
}

/** A violation found by a compiled check: the message (field first) and the top-level field at fault. */
export interface Violation {
  message: string;
  field?: string;
}

/**
 * The same rules compiled once, for a hot path (HTTP request bodies): returns undefined for a valid
 * value, else the first violation, its field written under `where` (e.g. "body.top_k").
 */
export function compileCheck(schema: TSchema, where: string): (value: unknown) => Violation | undefined {
  const compiled = TypeCompiler.Compile(schema);
  return (value) => {
    if (compiled.Check(value)) return undefined;
    const error = compiled.Errors(value).First();
    if (!error) return { message: `${where}: invalid` };
    const field = error.path.split("/")[1]?.replace(/~1/g, "/").replace(/~0/g, "~");
    return { message: violation(error, where), ...(field ? { field } : {}) };
  };
}
