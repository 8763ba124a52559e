/**
 * The relevance rubric every judge (LLM or clinician) applies to a Chinese medical query/document pair.
 * Its version is stored with every judgment: change any wording, level or length limit here and bump
 * RUBRIC_VERSION, so old and new judgments never mix in one vote.
 */
export const RUBRIC_VERSION = "cmed-relevance-v1";

export interface RubricLevel {
  score: 1 | 2 | 3 | 4 | 5;
  name: string;
  description: string;
}

export const RUBRIC_LEVELS: readonly RubricLevel[] = [
  {
    score: 5,
    name: "完全相关",
    description:
      "文档直接针对查询的核心医疗问题，给出明确、正确、足够具体的信息，仅凭这条文档提问者就能得到满意的答复；" +
      "如果文档本身也是一个问题，则两者问的是同一件事，可以互相替换。",
  },
  {
    score: 4,
    name: "大部分相关",
    description:
      "文档回答了查询的主要问题，医学内容正确，但有次要遗漏、需要少量推断，或夹杂较多无关内容；" +
      "如果文档是一个问题，则两者意图基本一致，只在人群、时间、程度等细节上略有差别。",
  },
  {
    score: 3,
    name: "部分相关",
    description:
      "文档涉及与查询相同的疾病、症状、药物或检查，有一定参考价值，但没有回答查询真正关心的问题" +
      "（例如查询问怎么治疗，文档只讲病因）。",
  },
  {
    score: 2,
    name: "弱相关",
    description:
      "文档与查询只共享个别词语或宽泛的主题（例如同属消化科），内容实际指向另一个问题，对提问者几乎没有帮助。",
  },
  {
    score: 1,
    name: "不相关",
    description: "文档与查询的医疗问题毫无关系，或者内容空洞、无法理解。",
  },
];

const RULES = [
  "只根据文档的实际内容打分，不要根据字面重合程度打分；口语与术语的不同说法（如“拉肚子”与“腹泻”）视为同一概念。",
  "文档如果包含明显错误、可能误导或危害患者的医学建议，最高只能给 2 分。",
  "不要因为文档篇幅长短而加分或减分。",
  "查询信息不足时，按最常见、最合理的理解来判断。",
];

/** Longer texts are cut (and marked) so one long document cannot blow a judge's context or budget. */
export const MAX_QUERY_CHARS = 500;
export const MAX_DOC_CHARS = 1500;

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export function rubricSystemPrompt(): string {
  const levels = RUBRIC_LEVELS.map((l) => `${l.score} 分（${l.name}）：${l.description}`).join("\n");
  const rules = RULES.map((r) => `- ${r}`).join("\n");
  return (
    "你是一名资深临床医生，负责审核中文医疗检索数据的相关性标注。你会看到一条“查询”（患者或医生提出的问题、" +
    "症状描述或检索词）和一条“文档”（回答、文章片段、标题或另一条问题）。请判断文档与查询的相关程度，" +
    "按以下 5 级标准打分：\n" +
    `${levels}\n\n补充规则：\n${rules}\n\n` +
    "只输出一个 JSON 对象，不要输出任何其他文字、解释或代码块标记，格式为：\n" +
    '{"score": <1 到 5 的整数>, "reason": "<不超过 50 字的中文理由>"}'
  );
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max).join("") + "……（后文省略）";
}

/** The conversation that asks for one judgment. */
export function judgmentMessages(query: string, doc: string): ChatMessage[] {
  return [
    { role: "system", content: rubricSystemPrompt() },
    { role: "user", content: `查询：${clip(query, MAX_QUERY_CHARS)}\n\n文档：${clip(doc, MAX_DOC_CHARS)}` },
  ];
}

/** The follow-up turn after a malformed answer: it says what was wrong and repeats the required format. */
export function reaskMessage(problem: string): ChatMessage {
  return {
    role: "user",
    content:
      `你上一次的输出不符合要求：${problem}。请重新评分，只输出一个 JSON 对象，不要有任何其他文字，格式为：` +
      '{"score": <1 到 5 的整数>, "reason": "<简短中文理由>"}',
  };
}

export type ParsedJudgment = { ok: true; score: number; reason: string } | { ok: false; problem: string };

/**
 * Strict parsing of a judge's reply: exactly one JSON object with an integer `score` in 1..5 and a
 * string `reason`, nothing else — no code fences, no prose, no extra keys. Surrounding whitespace is
 * the only leniency. A reply that needs guessing is malformed: the caller asks again.
 */
export function parseJudgment(text: string): ParsedJudgment {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) {
    return { ok: false, problem: "输出必须是一个 JSON 对象，且前后不能有其他文字" };
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { ok: false, problem: "输出不是合法的 JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, problem: "输出必须是一个 JSON 对象" };
  }
  const obj = value as Record<string, unknown>;
  const extra = Object.keys(obj).filter((k) => k !== "score" && k !== "reason");
  if (extra.length)
    return { ok: false, problem: `JSON 中只能有 score 和 reason 两个字段，多出了 ${extra.join(", ")}` };
  const { score, reason } = obj;
  if (typeof score !== "number" || !Number.isInteger(score) || score < 1 || score > 5) {
    return { ok: false, problem: "score 必须是 1 到 5 的整数" };
  }
  if (typeof reason !== "string") return { ok: false, problem: "reason 必须是字符串" };
  return { ok: true, score, reason };
}

/** The JSON schema a grammar-constrained local model is held to; the same shape parseJudgment accepts. */
export const JUDGMENT_SCHEMA = {
  type: "object",
  properties: {
    score: { enum: [1, 2, 3, 4, 5] },
    reason: { type: "string" },
  },
  required: ["score", "reason"],
  additionalProperties: false,
} as const;
