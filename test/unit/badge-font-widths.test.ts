/**
 * The badge's width table is the font's: regenerated from the installed DejaVu Sans it must equal
 * the committed font-widths.ts byte for byte, and the reader must get facts about the font right.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_FONT_PATH,
  FONT_WIDTHS_MODULE,
  renderFontWidthsModule,
} from "../../scripts/measure-badge-font.ts";
import { readFontMetrics } from "../../scripts/truetype-reader.ts";
import {
  ADVANCE_WIDTHS,
  FALLBACK_ADVANCE,
  FONT_FAMILY,
  KERNING_PAIRS,
  UNITS_PER_EM,
} from "../../workers/coordinator/src/badge/font-widths.ts";
import { advanceWidth, textWidth } from "../../workers/coordinator/src/badge/text-width.ts";

const fontInstalled = existsSync(DEFAULT_FONT_PATH);
// CI must have the font: there a missing font is a failure, not a quiet skip.
const skip = !fontInstalled && !process.env.CI;
if (skip) {
  console.warn(
    `badge font test skipped: missing ${DEFAULT_FONT_PATH} (apt-get install fonts-dejavu-core)`,
  );
}

describe.skipIf(skip)("the badge width table against the installed DejaVu Sans", () => {
  const font = () => readFontMetrics(readFileSync(DEFAULT_FONT_PATH));

  it("has the font to compare with", () => {
    expect(fontInstalled, `${DEFAULT_FONT_PATH}: apt-get install fonts-dejavu-core`).toBe(true);
  });

  it("is exactly what the script generates from the font", () => {
    expect(readFileSync(FONT_WIDTHS_MODULE, "utf8")).toBe(
      renderFontWidthsModule(DEFAULT_FONT_PATH),
    );
  });

  it("holds the font's own advances and kerning", () => {
    const metrics = font();
    expect(FONT_FAMILY).toBe(metrics.familyName);
    expect(UNITS_PER_EM).toBe(metrics.unitsPerEm);
    for (const [codePoint, advance] of ADVANCE_WIDTHS) {
      expect(advance, `U+${codePoint.toString(16)}`).toBe(metrics.advanceWidth(codePoint));
    }
    for (const [left, right, adjustment] of KERNING_PAIRS) {
      expect(adjustment).toBe(metrics.kerning(left, right));
    }
  });

  it("reads facts a wrong parser would miss", () => {
    const metrics = font();
    const width = (character: string) => metrics.advanceWidth(character.codePointAt(0) ?? 0) ?? 0;
    expect(metrics.familyName).toBe("DejaVu Sans");
    expect(metrics.unitsPerEm).toBe(2048);
    expect(width(" ")).toBeLessThan(width("M"));
    expect(new Set([..."0123456789"].map(width))).toEqual(new Set([width("0")]));
    expect(width("W")).toBeGreaterThan(width("i"));
    expect(width("é")).toBe(width("e"));
    expect(metrics.kerning(0x41, 0x56)).toBeLessThan(0);
    expect(metrics.advanceWidth(0x1f600)).toBeUndefined();
    // U+02F3-02F7 is a cmap segment read through idRangeOffset (ASCII and Latin-1 use idDelta):
    // the font has its first and last character but not the three between (fc-query agrees).
    expect(metrics.advanceWidth(0x2f3)).toBe(1024);
    expect([0x2f4, 0x2f5, 0x2f6].map(metrics.advanceWidth)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(metrics.advanceWidth(0x2f7)).toBe(1024);
  });
});

describe("textWidth", () => {
  it("covers printable ASCII and Latin-1", () => {
    for (let codePoint = 0x20; codePoint <= 0x7e; codePoint += 1) {
      expect(ADVANCE_WIDTHS.has(codePoint)).toBe(true);
    }
    for (let codePoint = 0xa0; codePoint <= 0xff; codePoint += 1) {
      expect(ADVANCE_WIDTHS.has(codePoint)).toBe(true);
    }
  });

  it("scales font units to pixels and adds kerning", () => {
    const pixels = (units: number) => (units * 11) / UNITS_PER_EM;
    expect(textWidth("W", 11)).toBe(pixels(advanceWidth(0x57)));
    const kernedAV = KERNING_PAIRS.find(([left, right]) => left === 0x41 && right === 0x56);
    expect(textWidth("AV", 11)).toBe(
      pixels(advanceWidth(0x41) + advanceWidth(0x56) + (kernedAV?.[2] ?? 0)),
    );
    expect(textWidth("mmmm", 11)).toBeGreaterThan(textWidth("iiii", 11) * 3);
    expect(textWidth("relay", 22)).toBeCloseTo(textWidth("relay", 11) * 2, 10);
  });

  it("counts a character outside the table once, as the fallback, per code point", () => {
    const fallback = (FALLBACK_ADVANCE * 11) / UNITS_PER_EM;
    expect("😀".length).toBe(2);
    expect(textWidth("😀", 11)).toBe(fallback);
    expect(textWidth("a😀", 11)).toBe(textWidth("a", 11) + fallback);
    expect(FALLBACK_ADVANCE).toBe(Math.max(...ADVANCE_WIDTHS.values()));
  });
});
