import { CareError } from "../core/errors.js";

/** A document's metadata value: the scalar columns of its corpus row beyond id, title and text. */
export type FieldValue = string | number | boolean;
export type Fields = Record<string, FieldValue>;

/** Bounds of a range condition: numbers, or ISO 8601 date strings (compared in string order). */
export interface RangeCondition {
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
}

/** One field's condition: equality with a value, membership in a list, or a range. */
export type Condition = { eq: FieldValue } | { in: FieldValue[] } | { range: RangeCondition };

/** A filter: every condition must hold (AND over fields). */
export type Filter = { field: string; condition: Condition }[];

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const RANGE_OPS = ["gt", "gte", "lt", "lte"] as const;

/**
 * Parses the JSON form `{"dept": "cardio", "source": {"in": ["a", "b"]}, "year": {"gte": 2018},
 * "published": {"lt": "2024-01-01"}}`. Errors name the field (`where` is the request part or file).
 */
export function parseFilter(raw: unknown, where = "filter"): Filter {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new CareError(`${where} must be an object of field conditions`);
  const out: Filter = [];
  for (const [field, spec] of Object.entries(raw as Record<string, unknown>)) {
    const at = `${where}.${field}`;
    if (!FIELD_NAME.test(field))
      throw new CareError(`${at}: field names are letters, digits, "_", "." or "-" (at most 64)`);
    if (isScalar(spec)) {
      out.push({ field, condition: { eq: spec } });
      continue;
    }
    if (spec === null || typeof spec !== "object" || Array.isArray(spec))
      throw new CareError(`${at} must be a string, number, boolean, {"in": [...]} or a range`);
    const keys = Object.keys(spec);
    const o = spec as Record<string, unknown>;
    if (keys.includes("in")) {
      if (keys.length !== 1) throw new CareError(`${at}: "in" cannot be combined with other operators`);
      const list = o.in;
      if (!Array.isArray(list) || list.length === 0 || list.length > 1000 || !list.every(isScalar))
        throw new CareError(`${at}.in must be a list of 1 to 1000 strings, numbers or booleans`);
      out.push({ field, condition: { in: list as FieldValue[] } });
      continue;
    }
    if (keys.length === 0) throw new CareError(`${at} has no operator (use in, gt, gte, lt, lte)`);
    const range: RangeCondition = {};
    let kind: "number" | "date" | undefined;
    for (const k of keys) {
      if (!(RANGE_OPS as readonly string[]).includes(k))
        throw new CareError(`${at}: unknown operator "${k}" (use in, gt, gte, lt, lte)`);
      const v = o[k];
      const vk = typeof v === "number" && Number.isFinite(v) ? "number" : isDate(v) ? "date" : undefined;
      if (!vk) throw new CareError(`${at}.${k} must be a number or an ISO 8601 date string (YYYY-MM-DD…)`);
      if (kind && kind !== vk) throw new CareError(`${at}: bounds mix numbers and dates`);
      kind = vk;
      range[k as (typeof RANGE_OPS)[number]] = v as number | string;
    }
    out.push({ field, condition: { range } });
  }
  return out;
}

/** Whether a document's fields pass the filter (the embedded store's evaluation). */
export function matches(filter: Filter, fields: Fields | undefined): boolean {
  for (const { field, condition } of filter) {
    const v = fields?.[field];
    if (v === undefined) return false;
    if ("eq" in condition) {
      if (v !== condition.eq) return false;
    } else if ("in" in condition) {
      if (!condition.in.includes(v)) return false;
    } else if (!inRange(v, condition.range)) return false;
  }
  return true;
}

function inRange(v: FieldValue, r: RangeCondition): boolean {
  // A range applies to values of its own kind only: numbers to numbers, date strings to date strings.
  const bound = r.gt ?? r.gte ?? r.lt ?? r.lte;
  if (typeof bound === "number" ? typeof v !== "number" : typeof v !== "string" || !isDate(v)) return false;
  if (r.gt !== undefined && !(v > r.gt)) return false;
  if (r.gte !== undefined && !(v >= r.gte)) return false;
  if (r.lt !== undefined && !(v < r.lt)) return false;
  if (r.lte !== undefined && !(v <= r.lte)) return false;
  return true;
}

/** The scalar columns of a corpus row beyond id, title and text; nested values are left out. */
export function fieldsOf(row: Record<string, unknown>): Fields | undefined {
  let out: Fields | undefined;
  for (const [k, v] of Object.entries(row)) {
    if (k === "_id" || k === "id" || k === "text" || k === "title" || !isScalar(v)) continue;
    if (!FIELD_NAME.test(k)) continue;
    (out ??= {})[k] = v;
  }
  return out;
}

function isScalar(v: unknown): v is FieldValue {
  return typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

function isDate(v: unknown): v is string {
  return typeof v === "string" && ISO_DATE.test(v);
}
