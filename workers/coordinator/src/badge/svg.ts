import { makeBadge } from "badge-maker";
import { z } from "zod";

/** The badge's own part: what it says and in which colour. Style and label are the embedder's. */
export interface BadgeFace {
  message: string;
  /** The message side's fill, e.g. `#4c1`. */
  color: string;
}

export const BADGE_STYLES = ["flat", "flat-square", "for-the-badge", "plastic", "social"] as const;
export const DEFAULT_BADGE_LABEL = "relay";
export const MAX_BADGE_LABEL_LENGTH = 64;

/**
 * Control characters, lone surrogates and U+FFFE/U+FFFF cannot appear in XML (the SVG would not
 * load), and bidirectional controls would let a label reorder the message in the title a screen
 * reader or tooltip shows.
 */
const UNSHOWABLE =
  /[\p{Cc}\p{Cs}\ufffe\uffff\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/**
 * Shields' query parameters that Relaywatch honours. The colour is not one of them: it is the
 * verdict's. Other parameters are ignored, as shields ignores the ones it does not know.
 */
export const BadgeOptions = z.object({
  style: z.enum(BADGE_STYLES).default("flat"),
  label: z
    .string()
    .max(MAX_BADGE_LABEL_LENGTH)
    .refine((label) => !UNSHOWABLE.test(label), {
      message: "no control or bidirectional formatting characters",
    })
    .default(DEFAULT_BADGE_LABEL),
});
export type BadgeOptions = z.infer<typeof BadgeOptions>;

/** The SVG, drawn by shields' own badge-maker, which escapes the texts and measures their width. */
export function renderBadge(face: BadgeFace, options: BadgeOptions): string {
  return makeBadge({ ...face, ...options });
}
