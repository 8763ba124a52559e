import { escapeHtml } from "../util/html.js";

/**
 * The search page at `/`: one self-contained HTML document with inline script, no build step. It posts
 * to /search, highlights the query terms the server returns (jieba words) in each hit, and says which
 * retriever answered. `note`, when given, stands under the title.
 */
export function searchPage(title: string, note?: string): string {
  return `<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  form { display: flex; gap: .5rem; }
  input[type=search] { flex: 1; font-size: 1.1rem; padding: .5rem; }
  button, select { font-size: 1rem; padding: .5rem .9rem; }
  #status { color: #666; margin: .8rem 0; min-height: 1.2rem; }
  #status.error { color: #b00; }
  #note { background: #fff4d6; padding: .5rem .8rem; border-radius: 4px; }
  ol { padding-left: 1.5rem; }
  li { margin-bottom: 1rem; }
  .title { font-weight: 600; }
  .meta { color: #888; font-size: .85rem; }
  mark { background: #ffe58a; padding: 0 1px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${note ? `<p id="note">${escapeHtml(note)}</p>` : ""}
<form id="search">
  <input id="q" type="search" name="q" placeholder="输入问题，例如：糖尿病患者可以吃西瓜吗" autofocus maxlength="1000">
  <select id="k" aria-label="results"><option>10</option><option>20</option><option>50</option></select>
  <button type="submit">搜索</button>
</form>
<div id="status"></div>
<ol id="hits"></ol>
<script>
const form = document.getElementById("search");
const status = document.getElementById("status");
const list = document.getElementById("hits");
const RETRIEVERS = { bm25: "BM25", dense: "dense", hybrid: "hybrid (BM25 + dense)" };

${escapeHtml.toString()}

// Longest terms first, so a compound is marked whole rather than by its parts.
function highlight(text, terms) {
  const sorted = terms.filter(Boolean).sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return escapeHtml(text);
  const re = new RegExp(sorted.map((t) => t.replace(/[.*+?^\${}()|[\\]\\\\]/g, "\\\\$&")).join("|"), "gi");
  let out = "", last = 0;
  for (const m of text.matchAll(re)) {
    out += escapeHtml(text.slice(last, m.index)) + "<mark>" + escapeHtml(m[0]) + "</mark>";
    last = m.index + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const query = document.getElementById("q").value.trim();
  if (!query) return;
  status.className = "";
  status.textContent = "搜索中…";
  const t0 = performance.now();
  try {
    const res = await fetch("/search", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, top_k: Number(document.getElementById("k").value) }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
    const roundTrip = performance.now() - t0;
    status.innerHTML = body.hits.length + " results by <span id=\\"retriever\\">" +
      escapeHtml(RETRIEVERS[body.retriever] || body.retriever) + "</span> · server <span id=\\"took\\">" + body.took_ms.toFixed(1) +
      " ms</span> (encoder " + body.timing.encode_ms.toFixed(1) + " ms, index " + body.timing.search_ms.toFixed(1) +
      " ms) · round trip " + roundTrip.toFixed(1) + " ms";
    list.innerHTML = body.hits.map((h) =>
      '<li><div class="title">' + highlight(h.title || h.id, body.terms) + "</div>" +
      '<div class="text">' + highlight(h.text, body.terms) + "</div>" +
      '<div class="meta">' + escapeHtml(h.id) + " · score " + h.score.toFixed(4) + "</div></li>").join("");
    // Which query the list now answers (a script driving the page waits on it).
    status.dataset.query = query;
  } catch (e) {
    status.className = "error";
    status.textContent = String(e.message || e);
    list.innerHTML = "";
  }
});
</script>
</body>
</html>
`;
}
