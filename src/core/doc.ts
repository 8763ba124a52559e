/** A document as every part of care sees it: BEIR's corpus row. */
export interface Doc {
  id: string;
  text: string;
  title?: string;
}

/** Text a document contributes to encoding: title and body, as MTEB joins them. */
export function docText(d: Doc): string {
  return d.title ? `${d.title} ${d.text}` : d.text;
}
