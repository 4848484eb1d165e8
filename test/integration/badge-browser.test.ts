/**
 * Badges in a real browser (Debian's chromium through playwright-core): in every shields style,
 * each text must fit its side of the badge as the browser lays it out, and every badge, a hostile
 * label's included, must load as an image.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BADGE_STYLES,
  type BadgeFace,
  BadgeOptions,
  renderBadge,
} from "../../workers/coordinator/src/badge/svg.ts";
import { chromiumMissing, launchChromium, screenshotPath } from "./browser.ts";

/** The messages and colours of badge.ts, the widest last. */
const FACES: BadgeFace[] = [
  { message: "closed", color: "#4c1" },
  { message: "suspect", color: "#fe7d37" },
  { message: "unknown", color: "#9f9f9f" },
  { message: "OPEN (confirmed)", color: "#e05d44" },
  { message: "invalid domain", color: "#9f9f9f" },
];
const LABELS = ["relay", "mail.relaywatch.example", "Überprüfung", `<b>"x" & 'y'</b>`];

const BADGES = BADGE_STYLES.flatMap((style) =>
  LABELS.flatMap((label, index) =>
    // Every face with the default label, the two widest with the others.
    (index === 0 ? FACES : FACES.slice(-2)).map((face) =>
      renderBadge(face, BadgeOptions.parse({ style, label })),
    ),
  ),
);

const missing = chromiumMissing();
// CI must have the browser: there a missing one is a failure, not a quiet skip.
const skip = missing !== null && !process.env.CI;
if (skip) console.warn(`badge browser test skipped: missing ${missing}`);

interface TextLayout {
  text: string;
  /** The browser's width of the text without `textLength`, in badge pixels. */
  naturalWidth: number;
  /** The drawn text (with `textLength`) and the side it sits on, in badge pixels. */
  drawnLeft: number;
  drawnRight: number;
  sideLeft: number;
  sideRight: number;
}

/**
 * The texts of the badge on the page as the browser has laid them out, each with the narrowest
 * rectangle under its centre: its side. (This project compiles without the DOM library, so the
 * browser-side elements are untyped here.)
 */
function readTexts(page: Page): Promise<TextLayout[]> {
  return page.locator("svg").evaluate((svg) => {
    const svgWidth: number = svg.width.baseVal.value;
    const sides = [...svg.querySelectorAll("rect")]
      .filter((rect) => !rect.closest("clipPath"))
      .map((rect) => ({ left: rect.x.baseVal.value, width: rect.width.baseVal.value }))
      // Not the gloss over the whole badge, nor social's notch.
      .filter((side) => side.width < svgWidth && side.width > 1);
    // Shadows are drawn faded (fill-opacity) or hidden; the text itself is neither.
    const texts = [...svg.querySelectorAll("text:not([aria-hidden]):not([fill-opacity])")];
    return texts.map((text) => {
      // The texts are drawn at 10x and scaled by .1: map their boxes back to badge pixels.
      const scale: number = text.getCTM().a;
      const natural = text.cloneNode(true);
      natural.removeAttribute("textLength");
      natural.setAttribute("visibility", "hidden");
      text.parentNode.appendChild(natural);
      const naturalWidth: number = natural.getComputedTextLength() * scale;
      natural.remove();
      const box = text.getBBox();
      const drawnLeft = box.x * scale;
      const drawnRight = (box.x + box.width) * scale;
      const centre = (drawnLeft + drawnRight) / 2;
      const side = sides
        .filter(
          (candidate) => candidate.left <= centre && centre <= candidate.left + candidate.width,
        )
        .sort((a, b) => a.width - b.width)[0] ?? { left: 0, width: 0 };
      return {
        text: text.textContent,
        naturalWidth,
        drawnLeft,
        drawnRight,
        sideLeft: side.left,
        sideRight: side.left + side.width,
      };
    });
  });
}

let browser: Browser;
let page: Page;

describe.skipIf(skip)("badges in a browser", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ deviceScaleFactor: 2 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("fits every text inside its side, in every style", async () => {
    let measured = 0;
    // One badge per document: badge-maker names its clip and gradient the same in every badge.
    for (const svg of BADGES) {
      await page.setContent(`<!doctype html><body>${svg}</body>`);
      await page.evaluate("document.fonts.ready");
      const texts = await readTexts(page);
      expect(texts, svg).toHaveLength(2);
      for (const text of texts) {
        const where = `${text.text} in ${svg.slice(0, 120)}`;
        expect(text.sideRight - text.sideLeft, where).toBeGreaterThan(0);
        expect(text.naturalWidth, where).toBeLessThanOrEqual(text.sideRight - text.sideLeft);
        expect(text.drawnLeft, where).toBeGreaterThanOrEqual(text.sideLeft - 0.01);
        expect(text.drawnRight, where).toBeLessThanOrEqual(text.sideRight + 0.01);
        measured += 1;
      }
    }
    expect(measured).toBe(BADGES.length * 2);
  });

  it("draws the badges as images, the way READMEs embed them", async () => {
    const images = BADGES.map(
      (svg) =>
        `<p style="margin:4px 0"><img src="data:image/svg+xml,${encodeURIComponent(svg)}" alt=""></p>`,
    );
    await page.setContent(
      `<!doctype html><body><div id="badges" style="display:inline-block">${images.join("")}</div></body>`,
    );
    // An SVG that is not well-formed XML (an unescaped label) does not load as an image.
    const loaded = await page
      .locator("img")
      .evaluateAll((images) => images.filter((image) => image.complete && image.naturalWidth > 0));
    expect(loaded).toHaveLength(BADGES.length);
    await page.locator("#badges").screenshot({ path: screenshotPath("badges.png") });
  });
});
