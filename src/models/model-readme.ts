/**
 * README.md for an exported checkpoint: the Hugging Face model card, with the front matter the Hub
 * and sentence-transformers read (library_name, pipeline_tag, tags, base_model), how to load it, how
 * it embeds, what it was trained on and how, and a results table when results are given.
 */
import { type ModelCard, queryPrompt } from "./card.js";
import type { StDense } from "./sentence-transformers.js";

export interface ResultRow {
  task: string;
  split?: string;
  metric: string;
  score: number | null;
}

export interface ReadmeInput {
  /** Title of the card (the folder's name if nothing better is known). */
  name: string;
  config: Record<string, unknown>;
  card: ModelCard;
  dense: readonly StDense[];
  /** Where the weights came from: a Hub id becomes `base_model`, a folder is named in the text. */
  base?: string;
  /** The training record (care-train.json): stage, data, hyperparameters. */
  training?: Record<string, unknown>;
  results?: readonly ResultRow[];
}

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A value as one markdown table cell. */
function cell(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.replace(/\|/g, "\\|").replace(/\n/g, "\\n");
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

export function modelReadme(i: ReadmeInput): string {
  const { card, config } = i;
  const front = [
    "---",
    "library_name: sentence-transformers",
    "pipeline_tag: sentence-similarity",
    "tags:",
    "- sentence-transformers",
    "- feature-extraction",
    "- sentence-similarity",
    "- care-retrieval",
    ...(i.base && HUB_ID.test(i.base) ? [`base_model: ${yamlString(i.base)}`] : []),
    "---",
  ];
  const query = queryPrompt(card);
  const layers = [
    "Transformer",
    `Pooling (${card.pooling})`,
    ...i.dense.map((d) => `Dense (${d.inFeatures}→${d.outFeatures}, ${d.activation})`),
    "Normalize",
  ];
  const lines = [
    ...front,
    "",
    `# ${i.name}`,
    "",
    "A text embedding model exported by [care-retrieval](https://www.npmjs.com/package/care-retrieval). " +
      "sentence-transformers and transformers load this folder as it is.",
    "",
    "## Usage",
    "",
    "```python",
    "from sentence_transformers import SentenceTransformer",
    "",
    'model = SentenceTransformer("path/to/this/folder")',
    'queries = model.encode(["..."], prompt_name="query")',
    'documents = model.encode(["..."], prompt_name="document")',
    "scores = model.similarity(queries, documents)",
    "```",
    "",
    "With care: `care bench --model hf:path/to/this/folder --tasks ...`.",
    "",
    "## Model",
    "",
    "| | |",
    "| --- | --- |",
    `| architecture | ${cell(config.model_type)}, ${cell(config.num_hidden_layers)} layers, hidden size ${cell(config.hidden_size)} |`,
    `| modules | ${layers.join(" → ")} |`,
    `| embedding width | ${card.dim}${card.matryoshka_dims ? ` (Matryoshka: ${card.matryoshka_dims.join(", ")})` : ""} |`,
    `| max sequence length | ${card.max_length} tokens |`,
    `| query prompt | ${query ? cell(query) : "none"} |`,
    `| document prompt | ${card.document_prompt ? cell(card.document_prompt) : "none"} |`,
    `| similarity | cosine |`,
    ...(i.base ? [`| base | ${cell(i.base)} |`] : []),
    "",
  ];
  if (i.training) {
    const t = i.training;
    const { stage, data, ...rest } = t;
    lines.push("## Training", "");
    if (data !== undefined) lines.push(`Training data: ${cell(data)}.`, "");
    if (stage !== undefined) lines.push(`Recipe: ${cell(stage)}.`, "");
    lines.push("| setting | value |", "| --- | --- |");
    for (const [k, v] of Object.entries(rest)) lines.push(`| ${cell(k)} | ${cell(v)} |`);
    lines.push("");
  }
  if (i.results?.length) {
    lines.push("## Results", "", "| task | split | metric | score |", "| --- | --- | --- | --- |");
    for (const r of i.results)
      lines.push(
        `| ${cell(r.task)} | ${cell(r.split ?? "")} | ${cell(r.metric)} | ${r.score === null ? "n/a" : r.score.toFixed(4)} |`,
      );
    lines.push("");
  }
  return lines.join("\n");
}
