/**
 * Badges in a real browser (Debian's chromium through playwright-core): the width we compute for
 * each text must be the browser's own layout of it in DejaVu Sans 11px, and no text may leave its
 * side of the badge.
 */
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_FONT_PATH } from "../../scripts/measure-badge-font.ts";
import { renderBadge } from "../../workers/coordinator/src/badge/svg.ts";
import { textWidth } from "../../workers/coordinator/src/badge/text-width.ts";
import { chromiumMissing, launchChromium, screenshotPath } from "./browser.ts";

const FONT_SIZE_PX = 11;
const TOLERANCE_PX = 0.5;

const BADGES = [
  { label: "relay", message: "closed", color: "#4c1" },
  { label: "relay", message: "OPEN (confirmed)", color: "#e05d44" },
  { label: "relay", message: "unknown", color: "#9f9f9f" },
  { label: "relay", message: "invalid domain", color: "#9f9f9f" },
  {
    label: "mail.relaywatch.example",
    message: "closed from 3 regions, checked 2026-07-02",
    color: "#4c1",
  },
  // Latin-1 with kerned pairs (AV, AT, «T, Tô, y.).
  { label: "Überprüfung", message: "AVATAR «Tôt» Ça y.", color: "#4c1" },
];
/** Outside the table: measured as the fallback, which must never be narrower than the browser. */
const FALLBACK_BADGE = { label: "relay", message: "日本語", color: "#4c1" };

const missing = [
  chromiumMissing(),
  existsSync(DEFAULT_FONT_PATH) ? null : `${DEFAULT_FONT_PATH} (apt-get install fonts-dejavu-core)`,
].filter((item) => item !== null);
// CI must have everything: a missing browser or font there is a failure, not a quiet skip.
const skip = missing.length > 0 && !process.env.CI;
if (skip) console.warn(`badge browser test skipped: missing ${missing.join(" and ")}`);

interface TextLayout {
  text: string;
  /** The browser's width of the text without `textLength`, in badge pixels. */
  naturalWidth: number;
  /** The drawn text (with `textLength`) and its side's rectangle, in badge pixels. */
  drawnLeft: number;
  drawnRight: number;
  rectLeft: number;
  rectRight: number;
  allottedWidth: number;
}

interface BadgeLayout {
  svgWidth: number;
  rectWidths: number[];
  texts: TextLayout[];
}

/**
 * Reads back, per badge on the page, its sizes as the browser has laid them out. (This project
 * compiles without the DOM library, so the browser-side elements are untyped here.)
 */
function readLayouts(page: Page): Promise<BadgeLayout[]> {
  return page.locator("svg").evaluateAll((badges) =>
    badges.map((svg) => {
      const rects = [...svg.querySelectorAll("g[clip-path] > rect")].slice(0, 2);
      if (rects.length !== 2) throw new Error("badge without its two rectangles");
      const visibleTexts = [...svg.querySelectorAll("text:not([aria-hidden])")];
      const texts = visibleTexts.map((text, index): TextLayout => {
        const rect = rects[index];
        // The texts are drawn at 10x and scaled by .1: map their boxes back to badge pixels.
        const scale: number = text.transform.baseVal.consolidate()?.matrix.a ?? 1;
        const natural = text.cloneNode(true);
        natural.removeAttribute("textLength");
        natural.setAttribute("visibility", "hidden");
        text.parentNode?.appendChild(natural);
        const naturalWidth = natural.getComputedTextLength() * scale;
        natural.remove();
        const box = text.getBBox();
        const rectLeft: number = rect.x.baseVal.value;
        return {
          text: text.textContent ?? "",
          naturalWidth,
          drawnLeft: box.x * scale,
          drawnRight: (box.x + box.width) * scale,
          rectLeft,
          rectRight: rectLeft + rect.width.baseVal.value,
          allottedWidth: text.textLength.baseVal.value * scale,
        };
      });
      return {
        svgWidth: svg.width.baseVal.value,
        rectWidths: rects.map((rect): number => rect.width.baseVal.value),
        texts,
      };
    }),
  );
}

let browser: Browser;
let page: Page;
let layouts: BadgeLayout[];

describe.skipIf(skip)("badges in a browser", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ deviceScaleFactor: 2 });
    // Inline, so the texts can be measured; each badge's clip id names its own width.
    const badges = [...BADGES, FALLBACK_BADGE].map(renderBadge);
    await page.setContent(`<!doctype html><body>${badges.join("<br>")}</body>`);
    await page.evaluate("document.fonts.ready");
    layouts = await readLayouts(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("computes every text's width as the browser lays it out in DejaVu Sans 11px", () => {
    const texts = layouts.slice(0, BADGES.length).flatMap((layout) => layout.texts);
    expect(texts).toHaveLength(BADGES.length * 2);
    for (const { text, naturalWidth } of texts) {
      const ours = textWidth(text, FONT_SIZE_PX);
      console.log(
        `badge text ${JSON.stringify(text)}: ours ${ours.toFixed(3)} px, browser ${naturalWidth.toFixed(3)} px, difference ${(ours - naturalWidth).toFixed(3)} px`,
      );
      expect(Math.abs(ours - naturalWidth), text).toBeLessThanOrEqual(TOLERANCE_PX);
    }
  });

  it("draws the badges as images, the way READMEs embed them", async () => {
    const images = [...BADGES, FALLBACK_BADGE]
      .map((badge) => `data:image/svg+xml,${encodeURIComponent(renderBadge(badge))}`)
      .map((source) => `<p style="margin:4px 0"><img src="${source}" alt=""></p>`);
    await page.setContent(
      `<!doctype html><body><div id="badges" style="display:inline-block">${images.join("")}</div></body>`,
    );
    const loaded = await page
      .locator("img")
      .evaluateAll((images) => images.every((image) => image.complete && image.naturalWidth > 0));
    expect(loaded).toBe(true);
    await page.locator("#badges").screenshot({ path: screenshotPath("badges.png") });
  });

  it("measures text outside the table at least as wide as the browser draws it", () => {
    const message = layouts.at(-1)?.texts[1];
    if (!message) throw new Error("the fallback badge has no message text");
    const ours = textWidth(message.text, FONT_SIZE_PX);
    console.log(
      `fallback text ${JSON.stringify(message.text)}: ours ${ours.toFixed(3)} px, browser ${message.naturalWidth.toFixed(3)} px`,
    );
    expect(ours).toBeGreaterThanOrEqual(message.naturalWidth - 0.01);
  });

  it("is as wide as its two sides, and every text stays inside its side", () => {
    for (const layout of layouts) {
      expect(layout.svgWidth).toBe(layout.rectWidths.reduce((sum, width) => sum + width, 0));
      for (const text of layout.texts) {
        expect(text.naturalWidth, text.text).toBeLessThanOrEqual(text.allottedWidth);
        expect(text.drawnLeft, text.text).toBeGreaterThanOrEqual(text.rectLeft);
        expect(text.drawnRight, text.text).toBeLessThanOrEqual(text.rectRight);
      }
    }
  });
});
