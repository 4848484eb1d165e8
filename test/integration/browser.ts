import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

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

export interface AccessibilityViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (Deque's accessibility engine, the one browser extensions and Lighthouse use) in
 * the page against WCAG 2.0/2.1 A and AA: labels, names, landmarks, contrast, language.
 */
export async function accessibilityViolations(page: Page): Promise<AccessibilityViolation[]> {
  await page.addScriptTag({ path: AXE_SOURCE });
  return page.evaluate(async () => {
    type AxeResult = {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: string[] }[];
      }[];
    };
    const axe = (globalThis as unknown as { axe: { run(options: object): Promise<AxeResult> } })
      .axe;
    const result = await axe.run({
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.flatMap((node) => node.target),
    }));
  });
}

const AXE_SOURCE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
