import { vi } from "vitest";
import { main } from "../../src/cli/main.js";

/**
 * Runs `care <args>` in this process (so the test's module mocks apply) and returns what it printed on
 * stdout, which is kept off the test's own output.
 */
export async function care(...args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await main(["node", "care", ...args]);
  } finally {
    spy.mockRestore();
  }
  return out.join("");
}
