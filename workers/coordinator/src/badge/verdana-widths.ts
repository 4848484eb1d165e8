/**
 * Advance widths of Verdana at 11px, the font shields-style badges are drawn in, for printable
 * ASCII (0x20-0x7e, in order). They are Verdana's advance widths in font units (2048 per em)
 * times 11/2048, rounded to two decimals: the same figures as the Verdana 11px tables badge
 * makers measure with (shields' anafanafo). Kerning is ignored, as those makers do; the SVG's
 * `textLength` makes the renderer fit the text to the measured width anyway.
 */
const ASCII_WIDTHS: readonly number[] = [
  // space ! " # $ % & ' ( ) * + , - . /
  3.87, 4.33, 5.05, 9.0, 6.99, 11.84, 7.99, 2.95, 4.99, 4.99, 6.99, 9.0, 4.0, 4.99, 4.0, 4.99,
  // 0-9
  6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99,
  // : ; < = > ? @
  4.99, 4.99, 9.0, 9.0, 9.0, 6.0, 11.0,
  // A-Z
  7.52, 7.54, 7.68, 8.48, 6.96, 6.32, 8.53, 8.27, 4.61, 5.0, 7.62, 6.12, 9.27, 8.23, 8.66, 6.63,
  8.66, 7.65, 7.52, 6.78, 8.05, 7.52, 10.88, 7.54, 6.77, 7.54,
  // [ \ ] ^ _ `
  4.99, 4.99, 4.99, 9.0, 6.99, 6.99,
  // a-z
  6.61, 6.85, 5.73, 6.85, 6.55, 3.87, 6.85, 6.96, 3.02, 3.79, 6.51, 3.02, 10.7, 6.96, 6.68, 6.85,
  6.85, 4.69, 5.73, 4.33, 6.96, 6.51, 9.0, 6.51, 6.51, 5.78,
  // { | } ~
  6.98, 4.99, 6.98, 9.0,
];

const FIRST_PRINTABLE = 0x20;

/**
 * Characters outside the table (accents, CJK, emoji) get the width of a capital "N": above the
 * ASCII average, so such text is measured a little wide rather than clipped.
 */
export const FALLBACK_WIDTH = 8.23;

export function characterWidth(character: string): number {
  const code = character.codePointAt(0) ?? FIRST_PRINTABLE;
  return ASCII_WIDTHS[code - FIRST_PRINTABLE] ?? FALLBACK_WIDTH;
}

/** The width of `text` in Verdana 11px, in pixels, per code point (not per UTF-16 unit). */
export function textWidth(text: string): number {
  let width = 0;
  for (const character of text) width += characterWidth(character);
  return width;
}
