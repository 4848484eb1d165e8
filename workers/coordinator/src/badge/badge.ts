import type { Database } from "../db/client.ts";
import { type BadgeDecision, type BadgeStatus, decideBadge } from "./evidence.ts";
import { loadBadgeEvidence } from "./store.ts";
import type { BadgeFace } from "./svg.ts";

/**
 * Shields' classic brightgreen, red, orange and lightgrey, as hex: the colours this badge has
 * always had (badge-maker 6 names slightly different hexes for those names).
 */
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

export async function badgeStatusOf(
  db: Database,
  domain: string,
  now: number,
): Promise<BadgeDecision> {
  return decideBadge(await loadBadgeEvidence(db, domain), now);
}
