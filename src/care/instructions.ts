import type { ModelCard } from "../models/card.js";
import { CareError } from "../core/errors.js";
import { CARE_DEFAULTS } from "./defaults.js";

export interface InstructionOptions {
  /** Prepend each row's `prompt` to its query (default true). */
  instructions?: boolean;
  /** How instruction and query combine ({instruction}, {text}); default the card's, else FlagEmbedding's. */
  queryTemplate?: string;
}

/**
 * The query template a stage-II run trains with, which the trained folder's card then carries so that
 * evaluation and serving present queries exactly as training did. Null: queries go in bare.
 */
export function trainingTemplate(card: ModelCard, o: InstructionOptions): string | null {
  if (o.instructions === false) return null;
  const t = o.queryTemplate ?? card.query_template ?? CARE_DEFAULTS.instructionTemplate;
  if (!t.includes("{text}")) throw new CareError(`query template "${t}" must contain {text}`);
  // The trained folder carries the template as a sentence-transformers prompt, which precedes the text.
  if (!t.endsWith("{text}")) throw new CareError(`query template "${t}" must end with {text}`);
  return t;
}
