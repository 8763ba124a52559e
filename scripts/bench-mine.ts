/**
 * Streaming and memory of training-data mining at the paper's scale: a synthetic 500k-query run through
 * `care mine negatives` (BM25 over a synthetic corpus) and the judge-free path of `care mine filter`,
 * giving 500k stage-II triplets and their stage-I self-pairs. Records wall time and peak RSS per phase
 * in results/bench-mine.json.
 *
 *   npm run bench:mine [-- --queries 500000 --corpus 20000 --top-k 8]
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { filterNegatives } from "../src/mine/filter.js";
import { mineNegatives } from "../src/mine/negatives.js";
import { writeFileAtomic } from "../src/util/atomic.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const QUERIES = arg("queries", 500_000);
const CORPUS = arg("corpus", 20_000);
const TOP_K = arg("top-k", 8);

// Synthetic medical-looking vocabulary: symptoms, body parts and actions combined by index, so texts
// share terms the way real questions do and BM25 has real posting lists to walk.
const SYMPTOMS = [
  "头痛",
  "发热",
  "咳嗽",
  "腹泻",
  "失眠",
  "胸闷",
  "乏力",
  "恶心",
  "皮疹",
  "关节痛",
  "耳鸣",
  "便秘",
];
const PARTS = ["儿童", "孕妇", "老人", "男性", "女性", "婴儿", "学生", "患者"];
const ACTIONS = ["怎么办", "吃什么药", "是什么原因", "需要检查什么", "如何护理", "严重吗", "能治好吗"];
const DRUGS = ["布洛芬", "阿莫西林", "奥美拉唑", "头孢", "板蓝根", "维生素", "二甲双胍", "降压药", "益生菌"];

function question(i: number): string {
  return `${PARTS[i % 8]}${SYMPTOMS[(i >> 3) % 12]}${(i >> 5) % 30}天${ACTIONS[(i >> 2) % 7]}`;
}
function answer(i: number): string {
  return `${SYMPTOMS[i % 12]}的${PARTS[(i >> 2) % 8]}可服用${DRUGS[(i >> 4) % 9]}，持续${i % 30}天应就医。编号${i}`;
}

async function writeLines(file: string, n: number, row: (i: number) => unknown): Promise<void> {
  const s = createWriteStream(file);
  for (let i = 0; i < n; i++) if (!s.write(JSON.stringify(row(i)) + "\n")) await once(s, "drain");
  s.end();
  await once(s, "finish");
}

const peakMiB = () => process.resourceUsage().maxRSS / 1024;

async function phase<T>(name: string, f: () => Promise<T>) {
  const start = performance.now();
  const result = await f();
  const seconds = (performance.now() - start) / 1000;
  const p = { name, seconds: Math.round(seconds * 10) / 10, peak_rss_mib_after: Math.round(peakMiB()) };
  process.stderr.write(`${name}: ${p.seconds}s, peak RSS so far ${p.peak_rss_mib_after} MiB\n`);
  return { ...p, result };
}

const dir = mkdtempSync(join(tmpdir(), "care-bench-mine-"));
try {
  const pairs = join(dir, "pairs.jsonl");
  const corpus = join(dir, "corpus.jsonl");
  const gen = await phase("generate", async () => {
    await writeLines(corpus, CORPUS, (i) => ({ _id: `d${i}`, text: answer(i) }));
    await writeLines(pairs, QUERIES, (i) => ({
      query: question(i),
      pos: [answer(i % CORPUS)],
      pos_id: `d${i % CORPUS}`,
    }));
  });
  const mined = join(dir, "mined.jsonl");
  const neg = await phase("negatives (bm25)", () =>
    mineNegatives({ pairs, corpus, retriever: "bm25", topK: TOP_K, out: mined, progress: true }),
  );
  const out = join(dir, "stage2.jsonl");
  const filt = await phase("filter (judge-free) + stage I", () =>
    filterNegatives({
      in: mined,
      out,
      stage1: join(dir, "stage1.jsonl"),
      falseNegatives: "promote",
      maxNegatives: TOP_K,
      progress: true,
    }),
  );
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    settings: { queries: QUERIES, corpus: CORPUS, top_k: TOP_K, retriever: "bm25", judges: "none" },
    input_mib: Math.round((statSync(pairs).size + statSync(corpus).size) / 2 ** 20),
    mined_mib: Math.round(statSync(mined).size / 2 ** 20),
    stage2_mib: Math.round(statSync(out).size / 2 ** 20),
    phases: [gen, neg, filt].map(({ result: _r, ...p }) => p),
    negatives: neg.result,
    filter: filt.result,
    triplets: filt.result.rows,
    peak_rss_mib: Math.round(peakMiB()),
    note:
      "peak RSS is the process maximum (process.resourceUsage().maxRSS) after each phase; mining holds the " +
      "corpus and its BM25 index, never the queries, candidates or triplets, which stream in chunks.",
  };
  writeFileAtomic("results/bench-mine.json", JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(
    `${report.triplets} triplets; peak RSS ${report.peak_rss_mib} MiB over ${report.mined_mib} MiB of mined candidates; results/bench-mine.json\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
