import {
  corroboratingCount,
  MIN_INDEPENDENT_VANTAGES,
} from "../../../../shared/verdict/aggregate.ts";
import type { MxPlan } from "../db/mx-plan.ts";

/** What the badge says. */
export type BadgeStatus = "closed" | "open" | "suspect" | "unknown";

/** Evidence older than this says nothing: the badge falls back to unknown. */
export const EVIDENCE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export interface FinishedCheck {
  status: string;
  verdict: string | null;
  finishedAt: number;
  mx: MxPlan | null;
  /** Delivery proof of the check (see shared/verdict/verdict-label.ts ProofState); null when not asked for. */
  proof?: string | null;
}

export interface VantageEvidence {
  /** The node that ran it; its refusals count only while it is on no blocklist. */
  nodeId?: string;
  address: string;
  region: string;
  /** Where the probe really ran; null on rows from before locations (the region stands in). */
  location: string | null;
  /** In the address's own AS: not evidence from outside. */
  inside: boolean;
  status: string;
  verdict: string | null;
}

export interface BadgeEvidence {
  /** The domain's latest finished check (done or failed), by creation time; null if none. */
  latest: FinishedCheck | null;
  /** That check's vantage rows. */
  vantages: VantageEvidence[];
  /** True when a scheduled re-check since that check could not even start (DNS gone, guard). */
  recheckFailed: boolean;
  /** Nodes on a DNS blocklist when that check ran: their refusals are no evidence. */
  listedNodes?: ReadonlySet<string>;
}

export interface BadgeDecision {
  status: BadgeStatus;
  /** Why, in words, for logs and the history page. */
  reason: string;
  /** Open, and proven by a delivered canary message: the badge says so. */
  confirmed?: boolean;
}

/**
 * The badge's verdict. Only the latest finished check counts, so a newer failure, inconclusive
 * or open check replaces an older closed one at once. Closed needs all of: a `done` check with
 * verdict closed, at most 30 days old, no vantage that saw a relay, and every address of its MX
 * plan found closed by at least two independent vantages outside its network: vantages that ran
 * in one place share a network path, and a vantage in the address's own AS is a neighbour.
 */
export function decideBadge(evidence: BadgeEvidence, now: number): BadgeDecision {
  const { latest } = evidence;
  if (latest === null) return { status: "unknown", reason: "never checked" };
  if (now - latest.finishedAt > EVIDENCE_WINDOW_MS)
    return { status: "unknown", reason: "the latest check is older than 30 days" };
  if (evidence.recheckFailed)
    return { status: "unknown", reason: "the latest scheduled re-check could not start" };
  if (latest.status !== "done") return { status: "unknown", reason: "the latest check failed" };
  if (latest.proof === "confirmed")
    return { status: "open", reason: "a test message was relayed and delivered", confirmed: true };
  if (latest.verdict === "open") return { status: "open", reason: "a vantage saw a relay" };
  if (latest.verdict === "suspect")
    return { status: "suspect", reason: "a vantage saw relay-like behaviour" };
  if (latest.verdict !== "closed")
    return { status: "unknown", reason: `the latest check is ${latest.verdict ?? "undecided"}` };
  return closedIfCorroborated(latest, evidence.vantages, evidence.listedNodes ?? new Set());
}

function closedIfCorroborated(
  check: FinishedCheck,
  vantages: VantageEvidence[],
  listedNodes: ReadonlySet<string>,
): BadgeDecision {
  if (vantages.some((vantage) => vantage.verdict === "open" || vantage.verdict === "suspect"))
    return { status: "unknown", reason: "a vantage disagrees with the closed verdict" };
  const addresses = (check.mx?.hosts ?? []).flatMap((host) => host.addresses);
  if (addresses.length === 0) return { status: "unknown", reason: "no address was tested" };
  for (const address of addresses) {
    const closedFrom = vantages
      .filter((v) => v.address === address && v.verdict === "closed")
      .map((v) => ({
        ...v,
        tested: v.status === "done",
        listed: v.nodeId !== undefined && listedNodes.has(v.nodeId),
      }));
    const places = corroboratingCount(closedFrom);
    if (places < MIN_INDEPENDENT_VANTAGES) {
      const excluded = closedFrom.some((v) => v.listed)
        ? " (vantages on a DNS blocklist do not count)"
        : "";
      return {
        status: "unknown",
        reason: `${address} was found closed from ${places} independent outside vantage(s), fewer than ${MIN_INDEPENDENT_VANTAGES}${excluded}`,
      };
    }
  }
  return {
    status: "closed",
    reason: "every MX address closed from at least two independent outside vantages",
  };
}
