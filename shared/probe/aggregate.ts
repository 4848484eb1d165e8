import type { Verdict } from "../schemas/probe-result.ts";

/** One vantage's view of one address, as the coordinator stores it. */
export interface VantageView {
  region: string;
  network: string;
  mxHost: string;
  address: string;
  verdict: Verdict | null;
  reason: string | null;
}

export interface OverallVerdict {
  verdict: Verdict;
  reason: string;
  /** Where vantages disagree, in plain words; null when they all agree. */
  summary: string | null;
}

const SEVERITY: Verdict[] = ["open", "suspect", "inconclusive", "closed"];

function regionsOf(views: VantageView[]): string {
  return [...new Set(views.map((view) => view.region))].join(", ");
}

/**
 * The verdict of a whole check: `open` if any vantage saw a relay from anywhere, since a relay
 * that only some networks can use is still a relay; `closed` only when every vantage tested every
 * address and all were refused. Disagreement is stated per address, because "open from one region
 * only" usually means a trusted-network rule that lets that network relay.
 */
export function aggregateVerdicts(views: VantageView[]): OverallVerdict {
  if (views.length === 0) {
    return { verdict: "inconclusive", reason: "no vantage produced a result", summary: null };
  }
  const verdictOf = (view: VantageView): Verdict => view.verdict ?? "inconclusive";
  const worst =
    SEVERITY.find((verdict) => views.some((view) => verdictOf(view) === verdict)) ?? "inconclusive";
  const disagreements: string[] = [];
  const byAddress = new Map<string, VantageView[]>();
  for (const view of views) {
    const key = `${view.mxHost} (${view.address})`;
    byAddress.set(key, [...(byAddress.get(key) ?? []), view]);
  }
  for (const [address, group] of byAddress) {
    const verdicts = new Set(group.map(verdictOf));
    if (verdicts.size < 2) continue;
    const parts = SEVERITY.filter((verdict) => verdicts.has(verdict)).map((verdict) => {
      const seeing = group.filter((view) => verdictOf(view) === verdict);
      return `${verdict} from ${regionsOf(seeing)}${seeing.length < group.length && verdict === "open" && seeing.length === 1 ? " only" : ""}`;
    });
    const hint = verdicts.has("open") && verdicts.has("closed") ? ": a trusted-network rule?" : "";
    disagreements.push(`${address}: ${parts.join("; ")}${hint}`);
  }
  const deciding = views.filter((view) => verdictOf(view) === worst);
  const first = deciding[0];
  const reason =
    worst === "open"
      ? `relayed for a foreign recipient as seen from ${regionsOf(deciding)} (${first?.mxHost} ${first?.address}): ${first?.reason ?? ""}`
      : worst === "closed"
        ? `every address refused to relay from every vantage (${regionsOf(views)})`
        : `${first?.mxHost} ${first?.address} from ${first?.region}: ${first?.reason ?? "no result"}`;
  return {
    verdict: worst,
    reason,
    summary: disagreements.length > 0 ? disagreements.join("\n") : null,
  };
}
