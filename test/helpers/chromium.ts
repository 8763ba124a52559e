import { chromium, type Browser } from "playwright-core";

/**
 * Debian's Chromium, headless, as .ci/run installs it. The background-networking flags matter here:
 * without them Chromium keeps dialling out, and this machine's closed network refuses every attempt.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
