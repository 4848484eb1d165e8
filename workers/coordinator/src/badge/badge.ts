import { makeBadge } from "badge-maker";
import { z } from "zod";
import type { Database } from "../db/client.ts";
import { type BadgeDecision, type BadgeStatus, decideBadge } from "./evidence.ts";
import { loadBadgeEvidence } from "./store.ts";

/** The badge's own part: what it says and in which colour. Style and label are the embedder's. */
export interface BadgeFace {
  message: string;
  /** The message side's fill, e.g. `#4c1`. */
  color: string;
}

/** Shields' palette: brightgreen, red, orange and lightgrey. */
const APPEARANCE: Record<BadgeStatus, BadgeFace> = {
  closed: { message: "closed", color: "#4c1" },
  open: { message: "OPEN", color: "#e05d44" },
  suspect: { message: "suspect", color: "#fe7d37" },
  unknown: { message: "unknown", color: "#9f9f9f" },
};

/** The badge of a decision; an open relay proven by delivery says so, in the same red. */
export function badgeFor(status: BadgeStatus, confirmed = false): BadgeFace {
  const appearance = APPEARANCE[status];
  const message =
    status === "open" && confirmed ? `${appearance.message} (confirmed)` : appearance.message;
  return { ...appearance, message };
}

/** The badge shown for a name that is not a domain: grey, so an <img> still shows something. */
export const INVALID_DOMAIN_BADGE: BadgeFace = { message: "invalid domain", color: "#9f9f9f" };

export const BADGE_STYLES = ["flat", "flat-square", "for-the-badge", "plastic", "social"] as const;
export const DEFAULT_BADGE_LABEL = "relay";
export const MAX_BADGE_LABEL_LENGTH = 64;

/**
 * Control characters cannot appear in XML at all (the SVG would not load), and bidirectional
 * controls would let a label reverse the message in the title a screen reader or tooltip shows.
 */
const UNSHOWABLE = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

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

/** The SVG, drawn by shields' own badge-maker (which escapes the text and measures its width). */
export function renderBadge(face: BadgeFace, options: BadgeOptions): string {
  return makeBadge({ ...face, ...options });
}

export async function badgeStatusOf(
  db: Database,
  domain: string,
  now: number,
): Promise<BadgeDecision> {
  return decideBadge(await loadBadgeEvidence(db, domain), now);
}
