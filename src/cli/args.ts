import { Type, type TSchema, type Static } from "@sinclair/typebox";
import { InvalidArgumentError } from "commander";
import { cliValue } from "../util/validate.js";

/**
 * Option parsers shared by the commands, each a TypeBox schema checked by the one validator; a bad
 * value is reported by commander, naming the option, and exits with the usage-error status.
 */
function option<T extends TSchema>(schema: T): (v: string) => Static<T> {
  return (v) => {
    try {
      return cliValue(schema, v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

export const positiveInt = option(Type.Integer({ minimum: 1, errorMessage: "expected a positive integer" }));

export const nonNegativeInt = option(
  Type.Integer({ minimum: 0, errorMessage: "expected a non-negative integer" }),
);

export const positiveNumber = option(
  Type.Number({ exclusiveMinimum: 0, errorMessage: "expected a positive number" }),
);

export const port = option(
  Type.Integer({ minimum: 0, maximum: 65535, errorMessage: "expected a port number" }),
);

/** A judge's score on the 5-point relevance scale. */
export const score = option(
  Type.Integer({ minimum: 1, maximum: 5, errorMessage: "expected a score from 1 to 5" }),
);

export const nonNegativeNumber = option(Type.Number({ minimum: 0, errorMessage: "expected a number ≥ 0" }));

export const cosine = option(
  Type.Number({ minimum: -1, maximum: 1, errorMessage: "expected a cosine in [-1, 1]" }),
);

/** One of a few words, e.g. `oneOf("keep", "drop")`. */
export function oneOf<T extends string>(...values: T[]): (v: string) => T {
  const words = values.length > 1 ? `${values.slice(0, -1).join(", ")} or ${values.at(-1)}` : values[0];
  return option(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      { type: "string", errorMessage: `expected ${words}` },
    ),
  ) as (v: string) => T;
}
