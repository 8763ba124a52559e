import { describe, expect, it } from "vitest";
import { readJsonArray } from "../../src/data/json-array.js";
import { readCMedQA } from "../../src/data/sources/cmedqa.js";
import { loadCMedIR } from "../../src/data/sources/cmedir.js";
import { readCMedQQ } from "../../src/data/sources/cmedqq.js";
import { decodeEntities, readCMedTC } from "../../src/data/sources/cmedtc.js";
import { readKuakeQQR } from "../../src/data/sources/kuake-qqr.js";
import { readMedicalDialogue } from "../../src/data/sources/medical-dialogue.js";
import { readTianchi } from "../../src/data/sources/tianchi.js";
import { CareError, SkipLog } from "../../src/core/errors.js";
import { collect, fixture } from "./paths.js";

const reasons = (s: SkipLog) => s.entries.map((e) => `${e.line}: ${e.reason}`);

describe("parsers report bad rows with file and line and keep going", () => {
  it("cMedQA: wrong field count, unknown label, empty answer", async () => {
    const file = fixture("dev.txt", '1\tq1\t"a ""x"" b"\n1\tonly two\n7\tq\ta\n0\tq\t \n0\tq2\ta2\n');
    const skips = new SkipLog();
    const rows = await collect(readCMedQA(file, skips));
    expect(rows.map((r) => [r.line, r.question, r.answer])).toEqual([
      [1, "q1", 'a "x" b'],
      [5, "q2", "a2"],
    ]);
    expect(reasons(skips)).toEqual([
      "2: expected 3 fields, found 2",
      '3: label "7" not in 0,1',
      "4: field 3 is empty",
    ]);
    expect(skips.entries.every((e) => e.file === file)).toBe(true);
  });

  it("cMedIR: malformed JSON, bad page, conflicting label; repeats merged", async () => {
    const line = (q: string, docs: unknown[]) => JSON.stringify({ query: q, documents: docs });
    const page = (url: string, label: string, title = "t-" + url) => ({ url, label, title });
    const file = fixture(
      "dev.json",
      [
        line("q", [page("u1", "2"), page("u2", "0")]),
        line("q", [page("u1", "2", ":t-u1"), page("u2", "0")]),
        "{not json",
        line("q", [page("u3", "9"), page("u1", "1")]),
        JSON.stringify({ query: "", documents: [] }),
        line("r", [page("u2", "3")]),
      ].join("\n") + "\n",
    );
    const skips = new SkipLog();
    const d = await loadCMedIR(file, skips);
    expect([...d.judgements].map(([q, m]) => [q, [...m]])).toEqual([
      [
        "q",
        [
          ["u1", 2],
          ["u2", 0],
        ],
      ],
      ["r", [["u2", 3]]],
    ]);
    expect(d.repeated).toBe(2);
    expect(d.titles.get("u1")).toBe("t-u1");
    expect(reasons(skips)).toEqual([
      expect.stringMatching(/^3: malformed JSON/),
      '4: document 1: label "9" not in 0..4',
      "4: document 2: label 1 conflicts with 2 given earlier",
      '5: expected {"query": string, "documents": [...]}',
    ]);
  });

  it("cMedQQ: a row with a non-binary label", async () => {
    const file = fixture("dev.txt", "1\ta\tb\n0.5\tc\td\n");
    const skips = new SkipLog();
    expect(await collect(readCMedQQ(file, skips))).toEqual([{ line: 1, query1: "a", query2: "b", label: 1 }]);
    expect(reasons(skips)).toEqual(['2: label "0.5" not in 0,1']);
  });

  it("KUAKE-QQR: a malformed element is reported by the line it starts on, the rest load", () => {
    const text = [
      "[",
      '  {"id": "s1", "query1": "a", "query2": "b", "label": "2"},',
      "  {",
      '    "id": "s2", "query1": "a" "query2": "c", "label": "0"',
      "  },",
      '  {"id": "s3", "query1": "a", "query2": "d", "label": "5"},',
      '  {"id": "s4", "query1": "a, {x}", "query2": "e", "label": "1"}',
      "]",
    ].join("\n");
    const file = fixture("train.json", text);
    const skips = new SkipLog();
    const rows = readKuakeQQR(file, skips);
    expect(rows.map((r) => [r.line, r.id, r.query1, r.label])).toEqual([
      [2, "s1", "a", 2],
      [7, "s4", "a, {x}", 1],
    ]);
    expect(reasons(skips)).toEqual([
      expect.stringMatching(/^3: malformed JSON element/),
      '6: label "5" not in 0,1,2',
    ]);
  });

  it("readJsonArray: a file that is not an array, or not closed, is an error naming the file", () => {
    expect(() => readJsonArray(fixture("a.json", '{"a": 1}'))).toThrow(CareError);
    expect(() => readJsonArray(fixture("b.json", '[\n{"a": 1},\n{"b": 2}'))).toThrow(
      /b\.json:3: the array is not closed/,
    );
    expect(() => readJsonArray("/nonexistent/x.json")).toThrow(/file not found/);
  });

  it("Tianchi: wrong header is an error; rows with a missing label are reported", async () => {
    const bad = fixture("train.csv", "a,b,c,d\r\nx,y,z,1\r\n");
    await expect(collect(readTianchi(bad, new SkipLog()))).rejects.toThrow(
      /train\.csv:1: expected the header/,
    );
    const file = fixture(
      "train.csv",
      'category,query1,query2,label\r\nc,"q, 1",q2,1\r\nc,q3,q4,\r\nc,q5\r\n',
    );
    const skips = new SkipLog();
    const rows = await collect(readTianchi(file, skips));
    expect(rows).toEqual([{ line: 2, category: "c", query1: "q, 1", query2: "q2", label: 1 }]);
    expect(reasons(skips)).toEqual(["3: missing label", "4: expected 4 fields, found 2"]);
  });

  it("medical dialogue: an unclosed quote costs one record, not the rest of the file", async () => {
    const file = fixture(
      "d.csv",
      'department,title,ask,answer\n科,t1,无,"line one\nline two"\n科,t2,"broken,a2\n科,t3,ask3,a3\n',
    );
    const skips = new SkipLog();
    const rows = await collect(readMedicalDialogue(file, skips));
    expect(rows.map((r) => [r.line, r.title, r.ask, r.answer])).toEqual([
      [2, "t1", "", "line one\nline two"],
      [5, "t3", "ask3", "a3"],
    ]);
    expect(reasons(skips)).toEqual(["4: quoted field not closed before end of file"]);
  });

  it("cMedTC: a line without a tab, an empty category", async () => {
    const file = fixture("dev.txt", "Age\t 年龄&gt;18\r\nno tab here\r\n\tx\r\n");
    const skips = new SkipLog();
    expect(await collect(readCMedTC(file, skips))).toEqual([{ line: 1, category: "Age", text: "年龄>18" }]);
    expect(reasons(skips)).toEqual(["2: expected 2 fields, found 1", "3: field 1 is empty"]);
  });

  it("decodeEntities decodes named and numeric entities and leaves unknown ones", () => {
    expect(decodeEntities("a&lt;b&#32;c&#x41;&amp;&foo;")).toBe("a<b cA&&foo;");
  });
});
