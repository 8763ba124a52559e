/**
 * An error meant for the person running the tool: the CLI prints its message (no stack) and exits
 * non-zero. Always name the file, and the line or field where one is known, so bad input can be fixed.
 */
export class CareError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line !== undefined ? `:${line}` : ""}: ${message}` : message);
    this.name = "CareError";
  }
}

/** Counts rows a loader chose to skip, so that nothing is dropped silently. */
export class SkipLog {
  readonly entries: { file: string; line: number; reason: string }[] = [];
  add(file: string, line: number, reason: string): void {
    this.entries.push({ file, line, reason });
  }
  get count(): number {
    return this.entries.length;
  }
  /** One line per skipped row (the first `max`), then a count of the rest. */
  summary(max = 20): string {
    const lines = this.entries.slice(0, max).map((e) => `  ${e.file}:${e.line}: ${e.reason}`);
    if (this.entries.length > max) lines.push(`  ... and ${this.entries.length - max} more`);
    return lines.join("\n");
  }
}
