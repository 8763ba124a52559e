import { RUBRIC_LEVELS } from "./rubric.js";

/**
 * The clinicians' review page: one pair at a time, the rubric's 5 levels as buttons and keys 1–5,
 * → for next, ← or Backspace for previous. Every label is POSTed (and fsynced by the server) before the
 * page moves on; key presses are queued so fast typing labels pairs in order. The pipeline's decision
 * is never sent to the page: the review is blind.
 */
export function reviewPageHtml(): string {
  const levels = JSON.stringify(RUBRIC_LEVELS).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CMedTEB 专家复核</title>
<style>
  body { font-family: system-ui, "PingFang SC", "Noto Sans CJK SC", sans-serif; margin: 0; background: #f5f6f8; color: #222; }
  header { background: #1f4e79; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0 12px 0 0; }
  header a { color: #cfe3ff; }
  main { max-width: 960px; margin: 20px auto; padding: 0 16px; }
  .card { background: #fff; border-radius: 8px; padding: 16px 20px; margin-bottom: 14px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  .label { font-size: 12px; color: #667; margin-bottom: 4px; }
  .text { white-space: pre-wrap; line-height: 1.6; font-size: 16px; }
  #scale { display: grid; grid-template-columns: repeat(5, 1fr); gap: 8px; }
  #scale button { padding: 10px 6px; border: 2px solid #c8d0da; border-radius: 6px; background: #fff; cursor: pointer; font-size: 14px; }
  #scale button.chosen { border-color: #1f4e79; background: #dbe9f7; font-weight: bold; }
  #scale button small { display: block; color: #556; font-weight: normal; }
  #status { min-height: 1.4em; color: #2d7d32; }
  #status.error { color: #b00020; }
  .muted { color: #667; font-size: 13px; }
  details { margin-top: 8px; }
  #who input { padding: 4px 8px; }
</style>
</head>
<body>
<header>
  <h1>CMedTEB 专家复核</h1>
  <form id="who">评审人：<input id="name" autocomplete="username" placeholder="输入姓名"> <button type="submit">开始</button></form>
  <span id="progress"></span>
  <span><a href="export.csv">导出 CSV</a> · <a href="export.jsonl">导出 JSONL</a></span>
</header>
<main>
  <div id="review" hidden>
    <div class="card"><div class="label">查询 <span id="where" class="muted"></span></div><div id="query" class="text"></div></div>
    <div class="card"><div class="label">文档</div><div id="doc" class="text"></div></div>
    <div class="card">
      <div id="scale"></div>
      <p id="status"></p>
      <p class="muted">快捷键：1–5 打分并进入下一条；→ 下一条；← 或 Backspace 上一条。每个分数提交即保存。</p>
      <details><summary>评分标准</summary><div id="rubric"></div></details>
    </div>
  </div>
  <div id="empty" class="card" hidden>请先在上方输入评审人姓名。</div>
</main>
<script>
const LEVELS = ${levels};
let reviewer = localStorage.getItem("care-reviewer") || "";
let items = [];
let labels = {};
let pos = 0;
let queue = Promise.resolve();
const $ = (id) => document.getElementById(id);

function labelledCount() { return items.filter((it) => labels[it.pair_id] !== undefined).length; }

function render() {
  $("name").value = reviewer;
  $("review").hidden = !reviewer || items.length === 0;
  $("empty").hidden = !!reviewer;
  if (!reviewer) { $("progress").textContent = ""; return; }
  $("progress").textContent = "已标注 " + labelledCount() + " / " + items.length;
  if (items.length === 0) return;
  const it = items[pos];
  $("where").textContent = "第 " + (pos + 1) + " / " + items.length + " 条 · " + it.task;
  $("query").textContent = it.query;
  $("doc").textContent = it.doc;
  for (const b of $("scale").children) b.classList.toggle("chosen", Number(b.dataset.score) === labels[it.pair_id]);
}

function status(text, error) { $("status").textContent = text; $("status").className = error ? "error" : ""; }

async function load() {
  if (!reviewer) { render(); return; }
  const res = await fetch("api/state?reviewer=" + encodeURIComponent(reviewer));
  if (!res.ok) { status("加载失败：" + (await res.text()), true); return; }
  const state = await res.json();
  items = state.items;
  labels = state.labels;
  const first = items.findIndex((it) => labels[it.pair_id] === undefined);
  pos = first === -1 ? Math.max(0, items.length - 1) : first;
  render();
}

async function give(score) {
  const it = items[pos];
  if (!it) return;
  status("保存中…");
  let res;
  try {
    res = await fetch("api/label", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ reviewer, pair_id: it.pair_id, score }) });
  } catch (e) { status("保存失败（网络）：" + e, true); return; }
  if (!res.ok) { status("保存失败：" + (await res.text()), true); return; }
  labels[it.pair_id] = score;
  status("已保存第 " + (pos + 1) + " 条：" + score + " 分");
  if (pos < items.length - 1) pos++;
  render();
}

function move(delta) { pos = Math.min(items.length - 1, Math.max(0, pos + delta)); render(); }

for (const l of [...LEVELS].sort((a, b) => a.score - b.score)) {
  const b = document.createElement("button");
  b.dataset.score = String(l.score);
  b.title = l.description;
  b.innerHTML = "<b></b><small></small>";
  b.querySelector("b").textContent = l.score + " 分";
  b.querySelector("small").textContent = l.name;
  b.addEventListener("click", () => { queue = queue.then(() => give(l.score)); });
  $("scale").appendChild(b);
  const p = document.createElement("p");
  p.textContent = l.score + " 分（" + l.name + "）：" + l.description;
  $("rubric").appendChild(p);
}

document.addEventListener("keydown", (e) => {
  if (e.target instanceof HTMLInputElement || !reviewer || e.ctrlKey || e.metaKey || e.altKey) return;
  if (/^[1-5]$/.test(e.key)) { const s = Number(e.key); queue = queue.then(() => give(s)); }
  else if (e.key === "ArrowRight") queue = queue.then(() => move(1));
  else if (e.key === "ArrowLeft" || e.key === "Backspace") { e.preventDefault(); queue = queue.then(() => move(-1)); }
});

$("who").addEventListener("submit", (e) => {
  e.preventDefault();
  reviewer = $("name").value.trim();
  localStorage.setItem("care-reviewer", reviewer);
  $("name").blur();
  queue = queue.then(load);
});

queue = queue.then(load);
</script>
</body>
</html>
`;
}
