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
   * False when the vantage could not test for a reason of its own, not the server's: its node
   * was unreachable, or its runtime could not speak TLS with the server. Such a view is neither
   * evidence nor a reason to call the check inconclusive; the report names it and why.
   */
  tested: boolean;
}

export interface OverallVerdict {
  verdict: Verdict;
  reason: string;
  /** Where vantages disagree, in plain words; null when they all agree. */
  summary: string | null;
}

/** Independent vantages that must have tested an address before `closed` is corroborated. */
export const MIN_INDEPENDENT_VANTAGES = 2;

const SEVERITY: Verdict[] = ["open", "suspect", "inconclusive", "closed"];

function regionsOf(views: VantageView[]): string {
  return [...new Set(views.map((view) => view.region))].join(", ");
}

/** Vantages in one region share a network path: they count once. */
function independentCount(views: VantageView[]): number {
  return new Set(views.map((view) => view.region)).size;
}

const addressOf = (view: VantageView) => `${view.mxHost} (${view.address})`;

function byAddress(views: VantageView[]): Map<string, VantageView[]> {
  const groups = new Map<string, VantageView[]>();
  for (const view of views)
    groups.set(addressOf(view), [...(groups.get(addressOf(view)) ?? []), view]);
  return groups;
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
 * leaves the check inconclusive; one that fewer than two independent vantages tested is still
 * called closed, but the reason says so and the badge stays grey. Disagreement is stated per
 * address, because "open from one region only" usually means a trusted-network rule.
 */
export function aggregateVerdicts(
  views: VantageView[],
  /** Independent vantages that corroborate `closed`; the CLI, one machine, asks for one. */
  minIndependentVantages = MIN_INDEPENDENT_VANTAGES,
): OverallVerdict {
  if (views.length === 0) {
    return { verdict: "inconclusive", reason: "no vantage produced a result", summary: null };
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
    const parts = SEVERITY.filter((verdict) => verdicts.has(verdict)).map((verdict) => {
      const seeing = group.filter((view) => verdictOf(view) === verdict);
      return `${verdict} from ${regionsOf(seeing)}${seeing.length < group.length && verdict === "open" && seeing.length === 1 ? " only" : ""}`;
    });
    const hint = verdicts.has("open") && verdicts.has("closed") ? ": a trusted-network rule?" : "";
    disagreements.push(`${address}: ${parts.join("; ")}${hint}`);
  }
  const summary = disagreements.length > 0 ? disagreements.join("\n") : null;
  const deciding = tested.filter((view) => verdictOf(view) === worst);
  const first = deciding[0];
  if (worst === "open" || worst === "suspect") {
    const reason =
      worst === "open"
        ? `relayed for a foreign recipient as seen from ${regionsOf(deciding)} (${first?.mxHost} ${first?.address}): ${first?.reason ?? ""}`
        : `${first?.mxHost} ${first?.address} from ${first?.region}: ${first?.reason ?? "no result"}`;
    return { verdict: worst, reason: `${reason}${setAside}`, summary };
  }
  const testedAddresses = byAddress(tested);
  const unreached = [...byAddress(views).keys()].filter((address) => !testedAddresses.has(address));
  if (unreached.length > 0) {
    return {
      verdict: "inconclusive",
      reason: `no vantage could test ${unreached.join(", ")}${setAside}`,
      summary,
    };
  }
  if (worst !== "closed") {
    const reason = `${first?.mxHost} ${first?.address} from ${first?.region}: ${first?.reason ?? "no result"}`;
    return { verdict: "inconclusive", reason: `${reason}${setAside}`, summary };
  }
  const thin = [...testedAddresses].filter(
    ([, group]) => independentCount(group) < minIndependentVantages,
  );
  const corroboration =
    thin.length > 0
      ? `; only ${thin.map(([address, group]) => `${regionsOf(group)} tested ${address}`).join(", ")}: fewer than ${minIndependentVantages} independent vantages, so this is not corroborated (no green badge)`
      : "";
  return {
    verdict: "closed",
    reason: `every address refused to relay from every vantage that tested it (${regionsOf(tested)})${corroboration}${setAside}`,
    summary,
  };
}
