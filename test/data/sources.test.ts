import { describe, expect, it } from "vitest";
import { readCMedQA } from "../../src/data/sources/cmedqa.js";
import { loadCMedIR } from "../../src/data/sources/cmedir.js";
import { readCMedQQ } from "../../src/data/sources/cmedqq.js";
import { readCMedTC } from "../../src/data/sources/cmedtc.js";
import { readKuakeQQR } from "../../src/data/sources/kuake-qqr.js";
import { readMedicalDialogue } from "../../src/data/sources/medical-dialogue.js";
import { readTianchi } from "../../src/data/sources/tianchi.js";
import { SkipLog } from "../../src/core/errors.js";
import { collect, dataFile } from "./paths.js";

// Expected figures were taken independently with Python's csv and json modules on the same files.
const countBy = <T>(xs: T[], key: (x: T) => string | number) => {
  const m: Record<string, number> = {};
  for (const x of xs) m[key(x)] = (m[key(x)] ?? 0) + 1;
  return m;
};

describe("parsers on the real files in ../shared/data", () => {
  it("cMedQA dev: CSV-quoted questions and answers inside a TSV", async () => {
    const skips = new SkipLog();
    const rows = await collect(readCMedQA(dataFile("chinese-blue/cMedQA/dev.txt"), skips));
    expect(skips.count).toBe(0);
    expect(rows).toHaveLength(5475);
    expect(countBy(rows, (r) => r.label)).toEqual({ 0: 4490, 1: 985 });
    expect(new Set(rows.map((r) => r.question)).size).toBe(895);
    expect(new Set(rows.map((r) => r.answer)).size).toBe(4593);
    expect(
      rows[0].answer.startsWith('可以有性生活，建议你治愈后再怀孕。乳腺增生纤维瘤病属于中医"乳癖"范畴'),
    ).toBe(true);
    const r599 = rows.find((r) => r.line === 599)!;
    expect(r599.question).toBe('我结婚一年半了"月经正常"检查身体也正常为什么没怀孕呢');
  });

  it("cMedIR dev: repeated lines merged per (query, URL), stray ':' before titles removed", async () => {
    const skips = new SkipLog();
    const d = await loadCMedIR(dataFile("chinese-blue/cMedIR/dev.json"), skips);
    expect(skips.count).toBe(0);
    expect(d.lines).toBe(10000);
    expect(d.judgements.size).toBe(4298);
    expect(d.titles.size).toBe(9866);
    const judgements = [...d.judgements.values()].reduce((s, m) => s + m.size, 0);
    expect(judgements).toBe(9868);
    expect(d.repeated).toBe(20000 - 9868);
    expect([...d.titles.values()].filter((t) => t.startsWith(":"))).toEqual([]);
    // Lines 1-2 and 6611-6612 are two pairs of repeats for this query, each with ":" before one title;
    // the query keeps the four pages of the two pairs, in first-seen order.
    const first = d.judgements.get("牙结石脱落小妙招")!;
    expect([...first.values()]).toEqual([2, 1, 2, 0]);
    expect(d.titles.get("http://www.03964.com/read/8c260268899be751ea456004.html")).toBe(
      "去除牙结石小妙招`_文档资料库",
    );
    const labels = countBy(
      [...d.judgements.values()].flatMap((m) => [...m.values()]),
      (l) => l,
    );
    expect(Object.keys(labels).sort()).toEqual(["0", "1", "2", "3", "4"]);
  });

  it("cMedQQ dev: binary TSV pairs", async () => {
    const skips = new SkipLog();
    const rows = await collect(readCMedQQ(dataFile("chinese-blue/cMedQQ/dev.txt"), skips));
    expect(skips.count).toBe(0);
    expect(rows).toHaveLength(1793);
    expect(countBy(rows, (r) => r.label)).toEqual({ 0: 904, 1: 889 });
    expect(rows[1]).toEqual({ line: 2, query1: "乳腺癌中期有什么症状", query2: "乳腺癌中期症状", label: 1 });
  });

  it("KUAKE-QQR: a JSON array whose elements carry their start line", () => {
    const skips = new SkipLog();
    const rows = readKuakeQQR(dataFile("kuake-qqr/train.json"), skips);
    expect(skips.count).toBe(0);
    expect(rows).toHaveLength(15000);
    expect(countBy(rows, (r) => r.label)).toEqual({ 0: 8946, 1: 2603, 2: 3451 });
    expect(rows[0]).toEqual({ line: 2, id: "s1", query1: "天价输液费", query2: "输液价格", label: 0 });
    expect(rows[1].line).toBe(8);
    expect(rows[14999].line).toBe(89996);
  });

  it("Tianchi: the six rows without a label are reported with their lines", async () => {
    const skips = new SkipLog();
    const rows = await collect(readTianchi(dataFile("tianchi-covid-pairs/train.csv"), skips));
    expect(rows).toHaveLength(8747);
    expect(countBy(rows, (r) => r.label)).toEqual({ 0: 5250, 1: 3497 });
    expect(skips.entries.map((e) => [e.line, e.reason])).toEqual(
      [352, 353, 354, 355, 356, 8054].map((l) => [l, "missing label"]),
    );
    expect(skips.entries[0].file).toBe(dataFile("tianchi-covid-pairs/train.csv"));
    expect(rows[0]).toEqual({
      line: 2,
      category: "咳血",
      query1: "剧烈运动后咯血,是怎么了?",
      query2: "剧烈运动后咯血是什么原因？",
      label: 1,
    });
  });

  it("medical dialogue: multi-line quoted answers, records numbered by their first line", async () => {
    const skips = new SkipLog();
    const rows = await collect(
      readMedicalDialogue(dataFile("medical-dialogue/internal-medicine-sample.csv"), skips),
    );
    expect(skips.count).toBe(0);
    expect(rows).toHaveLength(7644);
    const r = rows.find((x) => x.line === 1020)!;
    expect(r.title).toBe("羊角风和癫痫一样不，非要手术治疗么");
    expect(r.ask).toBe(""); // the placeholder 无
    // The quoted answer spans lines 1020-1054 (34 breaks); the trailing "\n\n " is trimmed, 32 stay.
    expect(r.answer.split("\n")).toHaveLength(33);
    expect(r.answer.endsWith("纠正酸中毒等。")).toBe(true);
    expect(rows[rows.indexOf(r) + 1].line).toBe(1055);
    expect(rows[rows.length - 1]).toMatchObject({ line: 7691, title: "胆汁反流性胃炎吃药不见好转怎么办？" });
  });

  it("cMedTC dev: 39 categories, HTML entities decoded, CRLF and leading spaces gone", async () => {
    const skips = new SkipLog();
    const rows = await collect(readCMedTC(dataFile("chinese-blue/cMedTC/dev.txt"), skips));
    expect(skips.count).toBe(0);
    expect(rows).toHaveLength(1550);
    expect(new Set(rows.map((r) => r.category)).size).toBe(39);
    expect(rows[2]).toEqual({ line: 3, category: "Age", text: "2)年龄> 70 or < 18;" });
    expect(rows.filter((r) => /&(gt|lt|nbsp|#\d+);|\r/.test(r.text))).toEqual([]);
  });
});
