/**
 * Escapes text for HTML and SVG, in element content and in quoted attributes alike. The one escaper of
 * the product: server-rendered pages, reports and charts use it, and the search page's browser script
 * embeds its source (`escapeHtml.toString()`), so both sides escape the same five characters.
 */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}
