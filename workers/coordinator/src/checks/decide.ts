import type { Verdict } from "../../../../shared/schemas/probe-result.ts";
import { aggregateVerdicts, type VantageView } from "../../../../shared/verdict/aggregate.ts";

interface StoredVantage {
  nodeId: string;
  /** `done`: it tested; `failed` (node unreachable) and `untestable` (TLS it cannot speak): it could not. */
  status: string;
  region: string;
  network: string;
  mxHost: string;
  address: string;
  verdict: string | null;
  reason: string | null;
  location: string | null;
  inside: boolean;
}

/** Node id -> the DNS blocklist zones it was on when the check ran (see probes/listings.ts). */
export type ListedNodes = ReadonlyMap<string, readonly string[]>;

/** A stored vantage row as the aggregation reads it. */
export function vantageView(vantage: StoredVantage, listedNodes: ListedNodes): VantageView {
  return {
    region: vantage.region,
    network: vantage.network,
    mxHost: vantage.mxHost,
    address: vantage.address,
    verdict: (vantage.verdict as Verdict | null) ?? null,
    reason: vantage.reason,
    location: vantage.location,
    inside: vantage.inside,
    tested: vantage.status === "done",
    listed: listedNodes.has(vantage.nodeId),
  };
}

/**
 * The overall verdict of a check from its stored vantage rows; refusals from nodes that were on
 * a DNS blocklist corroborate nothing, as in the badge.
 */
export function decideCheck(vantages: StoredVantage[], listedNodes: ListedNodes) {
  return aggregateVerdicts(vantages.map((vantage) => vantageView(vantage, listedNodes)));
}
