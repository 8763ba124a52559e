import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { CareError } from "../core/errors.js";

/** One expert label, as appended to labels.jsonl. A later label by the same reviewer replaces an earlier one. */
export interface ReviewLabel {
  reviewer: string;
  pair_id: string;
  score: number;
  at: string;
}

/**
 * The experts' labels: an append-only JSONL file, each label written and fsynced before the page is told
 * it is saved, so a reload, a server restart or a crash loses nothing that was acknowledged. The whole
 * history stays on disk (who changed what, when); in memory only the latest label per reviewer and pair.
 */
export class ReviewLabels {
  private readonly latest = new Map<string, Map<string, ReviewLabel>>();
  private fd: number;

  private constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) this.load();
    this.fd = openSync(file, "a");
  }

  static open(file: string): ReviewLabels {
    return new ReviewLabels(file);
  }

  private load(): void {
    let text = readFileSync(this.file, "utf8");
    if (text.length > 0 && !text.endsWith("\n")) {
      // A crash mid-append leaves an unterminated last line. It was never acknowledged (the page hears
      // "saved" only after the fsync of a whole line), so it is cut off rather than glued to the next label.
      const keep = text.lastIndexOf("\n") + 1;
      const lineNo = text.slice(0, keep).split("\n").length;
      process.stderr.write(
        `care: ${this.file}:${lineNo}: dropping an unfinished last line (interrupted write)\n`,
      );
      truncateSync(this.file, Buffer.byteLength(text.slice(0, keep), "utf8"));
      text = text.slice(0, keep);
    }
    text.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      let row: ReviewLabel;
      try {
        row = JSON.parse(line) as ReviewLabel;
      } catch {
        throw new CareError("malformed JSON", this.file, i + 1);
      }
      if (typeof row.reviewer !== "string" || typeof row.pair_id !== "string" || !isScore(row.score)) {
        throw new CareError("expected {reviewer, pair_id, score 1-5, at}", this.file, i + 1);
      }
      this.remember(row);
    });
  }

  private remember(l: ReviewLabel): void {
    if (!this.latest.has(l.reviewer)) this.latest.set(l.reviewer, new Map());
    this.latest.get(l.reviewer)!.set(l.pair_id, l);
  }

  add(reviewer: string, pairId: string, score: number): ReviewLabel {
    const label: ReviewLabel = { reviewer, pair_id: pairId, score, at: new Date().toISOString() };
    const buf = Buffer.from(JSON.stringify(label) + "\n", "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    fsyncSync(this.fd);
    this.remember(label);
    return label;
  }

  reviewers(): string[] {
    return [...this.latest.keys()].sort();
  }

  /** pair id → the reviewer's current score. */
  scoresOf(reviewer: string): Map<string, number> {
    return new Map(
      [...(this.latest.get(reviewer) ?? new Map<string, ReviewLabel>())].map(([k, l]) => [k, l.score]),
    );
  }

  /** Every reviewer's current labels. */
  all(): ReviewLabel[] {
    return this.reviewers().flatMap((r) => [...this.latest.get(r)!.values()]);
  }

  close(): void {
    closeSync(this.fd);
  }
}

export function isScore(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 1 && x <= 5;
}
