import type { Verdict } from "../schemas/probe-result.ts";

/** One vantage's view of one address, as the coordinator stores it. */
export interface VantageView {
  region: string;
  network: string;
  mxHost: string;
  address: string;
  verdict: Verdict | null;
  reason: string | null;
  /**
   * Where the probe really ran (a Cloudflare colo such as "FRA", or a self-hosted site); null
   * before an answer, and on rows from before locations were recorded (the region stands in).
   */
  location: string | null;
  /** The node is in the target address's own AS: shown, but no evidence from outside. */
  inside: boolean;
  /** The node answered with a result (a failed or unanswered vantage did not). */
  answered: boolean;
}

export interface OverallVerdict {
  verdict: Verdict;
  reason: string;
  /** Where vantages disagree, or ran in one place, in plain words; null when neither. */
  summary: string | null;
  /**
   * Independent vantages outside the target's network that answered, for the address with the
   * fewest: vantages that ran in the same place count once.
   */
  outsideVantages: number;
}

/** Below this many independent outside vantages per address, "closed" is not corroborated. */
export const MIN_OUTSIDE_VANTAGES = 2;

const SEVERITY: Verdict[] = ["open", "suspect", "inconclusive", "closed"];

/** Vantages that ran in one place are one network path, whatever their labels say. */
export function placeOf(view: Pick<VantageView, "location" | "region">): string {
  return view.location ?? `region ${view.region}`;
}

/**
 * "eu-west, us-east": one entry per place, vantages sharing a place joined with "+", and a
 * region marked inside when every one of its views here is inside the target's network.
 */
function regionsOf(views: VantageView[]): string {
  const byPlace = new Map<string, Set<string>>();
  for (const view of views) {
    const regions = byPlace.get(placeOf(view)) ?? new Set<string>();
    regions.add(view.region);
    byPlace.set(placeOf(view), regions);
  }
  const allInside = (region: string) =>
    views.filter((view) => view.region === region).every((view) => view.inside);
  return [...byPlace.values()]
    .map((regions) =>
      [...regions]
        .map((region) => (allInside(region) ? `${region} (inside the target's network)` : region))
        .join("+"),
    )
    .join(", ");
}

function countPlaces(views: VantageView[]): number {
  return new Set(views.map(placeOf)).size;
}

function byAddress(views: VantageView[]): Map<string, VantageView[]> {
  const groups = new Map<string, VantageView[]>();
  for (const view of views) {
    const key = `${view.mxHost} (${view.address})`;
    groups.set(key, [...(groups.get(key) ?? []), view]);
  }
  return groups;
}

/**
 * Independent outside vantages that answered, for the address with the fewest: not inside the
 * address's AS (an unknown AS is not inside), with a result, one per place.
 */
export function outsideVantageCount(views: VantageView[]): number {
  const groups = [...byAddress(views).values()];
  if (groups.length === 0) return 0;
  return Math.min(
    ...groups.map((group) => countPlaces(group.filter((view) => view.answered && !view.inside))),
  );
}

/** "eu-west and ap-northeast ran in the same place (FRA) and count once", per shared place. */
function sharedPlaces(views: VantageView[]): string[] {
  const regionsByPlace = new Map<string, Set<string>>();
  for (const view of views) {
    if (view.location === null) continue;
    const regions = regionsByPlace.get(view.location) ?? new Set<string>();
    regions.add(view.region);
    regionsByPlace.set(view.location, regions);
  }
  return [...regionsByPlace]
    .filter(([, regions]) => regions.size > 1)
    .map(
      ([place, regions]) =>
        `${[...regions].join(" and ")} ran in the same place (${place}) and count once`,
    );
}

/**
 * The verdict of a whole check: `open` if any vantage saw a relay from anywhere, since a relay
 * that only some networks can use is still a relay; `closed` only when every vantage tested every
 * address and all were refused. Disagreement is stated per address, because "open from one region
 * only" usually means a trusted-network rule that lets that network relay. Vantages that ran in
 * one place count once, and a closed verdict says when fewer than two independent vantages
 * outside the target's network answered.
 */
export function aggregateVerdicts(views: VantageView[]): OverallVerdict {
  if (views.length === 0) {
    return {
      verdict: "inconclusive",
      reason: "no vantage produced a result",
      summary: null,
      outsideVantages: 0,
    };
  }
  const verdictOf = (view: VantageView): Verdict => view.verdict ?? "inconclusive";
  const worst =
    SEVERITY.find((verdict) => views.some((view) => verdictOf(view) === verdict)) ?? "inconclusive";
  const disagreements: string[] = [];
  for (const [address, group] of byAddress(views)) {
    const verdicts = new Set(group.map(verdictOf));
    if (verdicts.size < 2) continue;
    const places = countPlaces(group);
    const parts = SEVERITY.filter((verdict) => verdicts.has(verdict)).map((verdict) => {
      const seeing = group.filter((view) => verdictOf(view) === verdict);
      const only = verdict === "open" && countPlaces(seeing) === 1 && places > 1;
      return `${verdict} from ${regionsOf(seeing)}${only ? " only" : ""}`;
    });
    const hint = verdicts.has("open") && verdicts.has("closed") ? ": a trusted-network rule?" : "";
    disagreements.push(`${address}: ${parts.join("; ")}${hint}`);
  }
  const notes = [...disagreements, ...sharedPlaces(views)];
  const outsideVantages = outsideVantageCount(views);
  const deciding = views.filter((view) => verdictOf(view) === worst);
  const first = deciding[0];
  let reason =
    worst === "open"
      ? `relayed for a foreign recipient as seen from ${regionsOf(deciding)} (${first?.mxHost} ${first?.address}): ${first?.reason ?? ""}`
      : worst === "closed"
        ? `every address refused to relay from every vantage (${regionsOf(views)})`
        : `${first?.mxHost} ${first?.address} from ${first?.region}: ${first?.reason ?? "no result"}`;
  if (worst === "closed" && outsideVantages < MIN_OUTSIDE_VANTAGES) {
    reason += `; but only ${outsideVantages} independent vantage(s) outside the target's network answered, fewer than ${MIN_OUTSIDE_VANTAGES}: not corroborated`;
  }
  return {
    verdict: worst,
    reason,
    summary: notes.length > 0 ? notes.join("\n") : null,
    outsideVantages,
  };
}
