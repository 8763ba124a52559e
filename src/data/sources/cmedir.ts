import type { SkipLog } from "../../core/errors.js";
import { readLines } from "../../util/jsonl.js";

/** A judged web page for a cMedIR query. */
export interface JudgedPage {
  url: string;
  title: string;
  /** Graded relevance 0..4. */
  label: number;
}

/**
 * cMedIR after removing its repetitions. The file repeats most query lines (the copy often has a stray
 * ":" before a title), and some queries come back with other pages; a query's judgements are the union
 * over its lines, one per URL.
 */
export interface CMedIRData {
  /** Query text → URL → label, in first-seen order. */
  judgements: Map<string, Map<string, number>>;
  /** URL → title (the first seen, without the stray leading ":"). */
  titles: Map<string, string>;
  lines: number;
  /** Judgements that repeated an earlier (query, URL) with the same label, and were merged into it. */
  repeated: number;
}

/**
 * Reads cMedIR dev.json (JSON lines `{"query","documents":[{"url","title","label"}]}`). A malformed line
 * or page is reported with its line; a (query, URL) judged twice with different labels keeps the first
 * and reports the second.
 */
export async function loadCMedIR(file: string, skips: SkipLog): Promise<CMedIRData> {
  const judgements = new Map<string, Map<string, number>>();
  const titles = new Map<string, string>();
  let lines = 0;
  let repeated = 0;
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === "") continue;
    lines++;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (e) {
      skips.add(file, line, `malformed JSON: ${(e as Error).message}`);
      continue;
    }
    const r = row as { query?: unknown; documents?: unknown };
    if (typeof r?.query !== "string" || r.query.trim() === "" || !Array.isArray(r.documents)) {
      skips.add(file, line, 'expected {"query": string, "documents": [...]}');
      continue;
    }
    const query = r.query.trim();
    let pages = judgements.get(query);
    r.documents.forEach((d: unknown, k: number) => {
      const page = parsePage(d);
      if (typeof page === "string") {
        skips.add(file, line, `document ${k + 1}: ${page}`);
        return;
      }
      if (!pages) judgements.set(query, (pages = new Map()));
      const prev = pages.get(page.url);
      if (prev === undefined) pages.set(page.url, page.label);
      else if (prev === page.label) repeated++;
      else
        skips.add(file, line, `document ${k + 1}: label ${page.label} conflicts with ${prev} given earlier`);
      if (!titles.has(page.url)) titles.set(page.url, page.title);
    });
  }
  return { judgements, titles, lines, repeated };
}

function parsePage(d: unknown): JudgedPage | string {
  const p = d as Record<string, unknown>;
  if (p === null || typeof p !== "object") return "not an object";
  if (typeof p.url !== "string" || p.url === "") return 'missing "url"';
  if (typeof p.title !== "string") return 'missing "title"';
  const title = p.title.replace(/^:/, "").trim();
  if (title === "") return "empty title";
  const raw = typeof p.label === "number" ? String(p.label) : p.label;
  const label = typeof raw === "string" && /^[0-4]$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(label)) return `label ${JSON.stringify(p.label)} not in 0..4`;
  return { url: p.url, title, label };
}
