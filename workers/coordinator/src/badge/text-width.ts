import { ADVANCE_WIDTHS, FALLBACK_ADVANCE, KERNING_PAIRS, UNITS_PER_EM } from "./font-widths.ts";

function pairKey(left: number, right: number): number {
  return left * 0x110000 + right;
}

const KERNING = new Map(
  KERNING_PAIRS.map(([left, right, adjustment]) => [pairKey(left, right), adjustment]),
);

/** A code point's advance in font units; unknown ones (CJK, emoji) get the widest measured one. */
export function advanceWidth(codePoint: number): number {
  return ADVANCE_WIDTHS.get(codePoint) ?? FALLBACK_ADVANCE;
}

/**
 * The width of `text` in the badge font at `fontSizePx`, as a browser lays it out: advances per
 * code point (an emoji is one character, not two UTF-16 units) plus the font's kerning.
 */
export function textWidth(text: string, fontSizePx: number): number {
  let units = 0;
  let previous: number | undefined;
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    units += advanceWidth(codePoint);
    if (previous !== undefined) units += KERNING.get(pairKey(previous, codePoint)) ?? 0;
    previous = codePoint;
  }
  return (units * fontSizePx) / UNITS_PER_EM;
}
