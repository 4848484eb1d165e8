import { escapeXml } from "./escape.ts";
import { FONT_FAMILY as MEASURED_FONT_FAMILY } from "./font-widths.ts";
import { textWidth } from "./text-width.ts";

export interface BadgeSpec {
  label: string;
  message: string;
  /** The message side's fill, e.g. `#4c1`. */
  color: string;
}

/** The label side's fill in shields' flat style. */
const LABEL_COLOR = "#555";
/** Space left and right of each text, as shields' flat style leaves it. */
const HORIZONTAL_PADDING = 5;
const HEIGHT = 20;
const FONT_SIZE_PX = 11;
/**
 * The measured font first: where it is installed the text is exactly as wide as measured;
 * elsewhere `textLength` stretches or squeezes the fallback font to the measure.
 */
const FONT_FAMILY = `${MEASURED_FONT_FAMILY},Verdana,Geneva,sans-serif`;
const COLOR_PATTERN = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Rounded up to an odd width, as shields does, so a centred text sits on a whole pixel. */
function preferredWidth(text: string): number {
  const width = Math.ceil(textWidth(text, FONT_SIZE_PX));
  return width % 2 === 0 ? width + 1 : width;
}

/**
 * One side's text: drawn at 10x scale (font-size 110, `scale(.1)`: 11px) as shields does, for
 * finer positioning, with a shadow line under it; `textLength` fits it to the measured width.
 */
function textElements(text: string, centreX: number, width: number): string {
  const escaped = escapeXml(text);
  const x = centreX * 10;
  const length = width * 10;
  return (
    `<text aria-hidden="true" x="${x}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${length}">${escaped}</text>` +
    `<text x="${x}" y="140" transform="scale(.1)" fill="#fff" textLength="${length}">${escaped}</text>`
  );
}

/** A shields-style "flat" badge: a grey label, a coloured message, a gloss and round corners. */
export function renderBadge({ label, message, color }: BadgeSpec): string {
  // The colour goes into an attribute as is, so only a hex colour is accepted.
  if (!COLOR_PATTERN.test(color)) throw new Error(`not a hex colour: ${color}`);
  const labelTextWidth = preferredWidth(label);
  const messageTextWidth = preferredWidth(message);
  const labelWidth = labelTextWidth + 2 * HORIZONTAL_PADDING;
  const messageWidth = messageTextWidth + 2 * HORIZONTAL_PADDING;
  const width = labelWidth + messageWidth;
  const title = escapeXml(`${label}: ${message}`);
  // Ids are document-wide when badges are inlined in one page: a clip named by its width never
  // clips another badge to the wrong outline (the gradient is the same in every badge).
  const clipId = `rw-clip-${width}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" role="img" aria-label="${title}">` +
    `<title>${title}</title>` +
    `<linearGradient id="rw-gloss" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="${clipId}"><rect width="${width}" height="${HEIGHT}" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#${clipId})">` +
    `<rect width="${labelWidth}" height="${HEIGHT}" fill="${LABEL_COLOR}"/>` +
    `<rect x="${labelWidth}" width="${messageWidth}" height="${HEIGHT}" fill="${color}"/>` +
    `<rect width="${width}" height="${HEIGHT}" fill="url(#rw-gloss)"/>` +
    `</g>` +
    `<g fill="#fff" text-anchor="middle" font-family="${FONT_FAMILY}" text-rendering="geometricPrecision" font-size="${FONT_SIZE_PX * 10}">` +
    textElements(label, labelWidth / 2, labelTextWidth) +
    textElements(message, labelWidth + messageWidth / 2, messageTextWidth) +
    `</g></svg>`
  );
}
