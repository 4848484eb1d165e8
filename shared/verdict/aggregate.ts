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
  /**
   * False when the vantage could not test for a reason of its own, not the server's: its node
   * was unreachable, or its runtime could not speak TLS with the server. Such a view is neither
   * evidence nor a reason to call the check inconclusive; the report names it and why.
   */
  tested: boolean;
  /**
   * Its node was on a DNS blocklist when the check ran: it still tested from outside, but its
   * refusals may be about the listing, so they corroborate no `closed` (nor a green badge).
   */
  listed?: boolean;
}

export interface OverallVerdict {
  verdict: Verdict;
  reason: string;
  /** Where vantages disagree, or ran in one place, in plain words; null when neither. */
  summary: string | null;
  /**
   * Independent vantages outside the target's network that tested, for the address with the
   * fewest: vantages that ran in the same place count once.
   */
  outsideVantages: number;
}

/**
 * Independent vantages outside the target's network that must have tested an address before
 * `closed` is corroborated (and the badge may turn green).
 */
export const MIN_INDEPENDENT_VANTAGES = 2;

const SEVERITY: Verdict[] = ["open", "suspect", "inconclusive", "closed"];

/** Vantages that ran in one place are one network path, whatever their labels say. */
function placeOf(view: Pick<VantageView, "location" | "region">): string {
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

function countPlaces(views: Pick<VantageView, "location" | "region">[]): number {
  return new Set(views.map(placeOf)).size;
}

/**
 * The one corroboration rule, for the verdict and the badge: vantages that tested, outside the
 * address's AS (an unknown AS is not inside), counted once per place they actually ran in.
 */
export function independentCount(
  views: Pick<VantageView, "location" | "region" | "inside" | "tested">[],
): number {
  return countPlaces(views.filter((view) => view.tested && !view.inside));
}

/**
 * The independent vantages whose refusals corroborate `closed`, for the verdict and the badge
 * alike: independentCount without vantages whose node was on a DNS blocklist.
 */
export function corroboratingCount(
  views: Pick<VantageView, "location" | "region" | "inside" | "tested" | "listed">[],
): number {
  return independentCount(views.filter((view) => view.listed !== true));
}

const addressOf = (view: VantageView) => `${view.mxHost} (${view.address})`;

function byAddress(views: VantageView[]): Map<string, VantageView[]> {
  const groups = new Map<string, VantageView[]>();
  for (const view of views)
    groups.set(addressOf(view), [...(groups.get(addressOf(view)) ?? []), view]);
  return groups;
}

/** Independent outside vantages that tested, for the address with the fewest. */
export function outsideVantageCount(views: VantageView[]): number {
  const groups = [...byAddress(views).values()];
  if (groups.length === 0) return 0;
  return Math.min(...groups.map(independentCount));
}

/**
 * How many of outsideVantageCount do not corroborate, because their node was on a DNS
 * blocklist: the outside count less the corroborating count of the address with the fewest, so
 * "N outside, M of them listed" leaves exactly the N - M that the verdict and the badge count.
 */
export function listedOutsideVantageCount(views: VantageView[]): number {
  const groups = [...byAddress(views).values()];
  if (groups.length === 0) return 0;
  return outsideVantageCount(views) - Math.min(...groups.map(corroboratingCount));
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

/** "us-east: node … could not be reached; ap-northeast: TLS not testable …", each once. */
function describeUntested(views: VantageView[]): string {
  const lines = views.map((view) => `${view.region}: ${view.reason ?? "no result"}`);
  return [...new Set(lines)].join("; ");
}

/**
 * The verdict of a whole check, from the vantages that tested: `open` if any saw a relay from
 * anywhere, since a relay that only some networks can use is still a relay; `closed` only when
 * every address was tested and every vantage that tested it was refused. A vantage that could
 * not test is set aside, named in the reason with why. An address that no vantage could test
 * leaves the check inconclusive; one that fewer than two independent vantages outside its
 * network tested (same place counts once, inside its AS or on a DNS blocklist not at all) is
 * still called closed, but the reason says so and the badge stays grey. Disagreement is stated
 * per address, because "open from one region only" usually means a trusted-network rule.
 */
export function aggregateVerdicts(
  views: VantageView[],
  /** Independent vantages that corroborate `closed`; the CLI, one machine, asks for one. */
  minIndependentVantages = MIN_INDEPENDENT_VANTAGES,
): OverallVerdict {
  if (views.length === 0) {
    return {
      verdict: "inconclusive",
      reason: "no vantage produced a result",
      summary: null,
      outsideVantages: 0,
    };
  }
  const tested = views.filter((view) => view.tested);
  const untested = views.filter((view) => !view.tested);
  const setAside = untested.length > 0 ? `; could not test: ${describeUntested(untested)}` : "";
  const verdictOf = (view: VantageView): Verdict => view.verdict ?? "inconclusive";
  const worst = SEVERITY.find((verdict) => tested.some((view) => verdictOf(view) === verdict));
  const disagreements: string[] = [];
  for (const [address, group] of byAddress(tested)) {
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
  const notes = [...disagreements, ...sharedPlaces(tested)];
  const summary = notes.length > 0 ? notes.join("\n") : null;
  const outsideVantages = outsideVantageCount(views);
  const deciding = tested.filter((view) => verdictOf(view) === worst);
  const first = deciding[0];
  if (worst === "open" || worst === "suspect") {
    const reason =
      worst === "open"
        ? `relayed for a foreign recipient as seen from ${regionsOf(deciding)} (${first?.mxHost} ${first?.address}): ${first?.reason ?? ""}`
        : `${first?.mxHost} ${first?.address} from ${first?.region}: ${first?.reason ?? "no result"}`;
    return { verdict: worst, reason: `${reason}${setAside}`, summary, outsideVantages };
  }
  const testedAddresses = byAddress(tested);
  const unreached = [...byAddress(views).keys()].filter((address) => !testedAddresses.has(address));
  if (unreached.length > 0) {
    return {
      verdict: "inconclusive",
      reason: `no vantage could test ${unreached.join(", ")}${setAside}`,
      summary,
      outsideVantages,
    };
  }
  if (worst !== "closed") {
    const reason = `${first?.mxHost} ${first?.address} from ${first?.region}: ${first?.reason ?? "no result"}`;
    return { verdict: "inconclusive", reason: `${reason}${setAside}`, summary, outsideVantages };
  }
  const thin = [...testedAddresses].filter(
    ([, group]) => corroboratingCount(group) < minIndependentVantages,
  );
  const listedNote = thin.some(([, group]) => group.some((view) => view.listed))
    ? " (vantages on a DNS blocklist do not count)"
    : "";
  const corroboration =
    thin.length > 0
      ? `; only ${thin.map(([address, group]) => `${regionsOf(group)} tested ${address}`).join(", ")}: fewer than ${minIndependentVantages} independent vantages outside the target's network${listedNote}, so this is not corroborated (no green badge)`
      : "";
  return {
    verdict: "closed",
    reason: `every address refused to relay from every vantage that tested it (${regionsOf(tested)})${corroboration}${setAside}`,
    summary,
    outsideVantages,
  };
}
