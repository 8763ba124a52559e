import { describe, expect, it } from "vitest";
import { readDelimited } from "../../src/data/delimited.js";
import { SkipLog } from "../../src/core/errors.js";
import { collect, fixture } from "./paths.js";

const csv = { delimiter: ",", quoted: true };

describe("readDelimited", () => {
  it("reads RFC 4180 quoting: doubled quotes, delimiters and line breaks inside quotes, literal mid-field quotes", async () => {
    const file = fixture(
      "a.csv",
      'h1,h2,h3\r\n"a ""b"", c",plain,x"y\r\n"multi\r\nline\r\n\r\nfield",2,"3"\r\n\r\nlast,,\r\n',
    );
    const skips = new SkipLog();
    const recs = await collect(readDelimited(file, csv, skips));
    expect(recs).toEqual([
      { line: 1, fields: ["h1", "h2", "h3"] },
      { line: 2, fields: ['a "b", c', "plain", 'x"y'] },
      { line: 3, fields: ["multi\nline\n\nfield", "2", "3"] },
      { line: 8, fields: ["last", "", ""] },
    ]);
    expect(skips.count).toBe(0);
  });

  it("reports text after a closing quote with its line and goes on", async () => {
    const file = fixture("b.csv", 'ok,1\n"bad"x,2\nok,3\n');
    const skips = new SkipLog();
    const recs = await collect(readDelimited(file, csv, skips));
    expect(recs.map((r) => r.fields)).toEqual([
      ["ok", "1"],
      ["ok", "3"],
    ]);
    expect(skips.entries).toEqual([
      { file, line: 2, reason: expect.stringContaining("after a closing quote") },
    ]);
  });

  it("recovers from a quote that never closes: reports its line and re-reads the lines after it", async () => {
    const file = fixture("c.csv", 'ok,1\n"stray,2\nok,3\nok,4\n');
    const skips = new SkipLog();
    const recs = await collect(readDelimited(file, csv, skips));
    expect(recs).toEqual([
      { line: 1, fields: ["ok", "1"] },
      { line: 3, fields: ["ok", "3"] },
      { line: 4, fields: ["ok", "4"] },
    ]);
    expect(skips.entries).toEqual([{ file, line: 2, reason: "quoted field not closed before end of file" }]);
  });

  it("gives up on a quoted field after maxRecordLines lines", async () => {
    const body = ['"open,1', ...Array.from({ length: 5 }, (_, i) => `r${i},${i}`)].join("\n") + "\n";
    const file = fixture("d.csv", body);
    const skips = new SkipLog();
    const recs = await collect(readDelimited(file, { ...csv, maxRecordLines: 3 }, skips));
    expect(recs.map((r) => r.line)).toEqual([2, 3, 4, 5, 6]);
    expect(skips.entries).toEqual([{ file, line: 1, reason: "quoted field not closed within 3 lines" }]);
  });

  it("leaves quotes alone in plain TSV", async () => {
    const file = fixture("e.tsv", 'a\t"b\nc\t"d"\n');
    const recs = await collect(readDelimited(file, { delimiter: "\t", quoted: false }, new SkipLog()));
    expect(recs).toEqual([
      { line: 1, fields: ["a", '"b'] },
      { line: 2, fields: ["c", '"d"'] },
    ]);
  });
});
