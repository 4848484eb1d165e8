import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";

/** Debian's chromium (scripts/install-system-deps.sh), driven through playwright-core. */
export const CHROMIUM = "/usr/bin/chromium";

/** Screenshots of the browser tests, kept by CI as test output. */
export const OUTPUT_DIR = fileURLToPath(new URL("../../test-output", import.meta.url));

/** Why the browser cannot run here, or null when it can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} (apt-get install chromium)`;
}

/** Headless, offline: no sandbox (containers), no GPU, and nothing that calls home. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
}

/** The path of a screenshot under test-output/, creating the directory. */
export function screenshotPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return `${OUTPUT_DIR}/${name}`;
}
