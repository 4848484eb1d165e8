import type { Verdict } from "../../../../shared/schemas/probe-result.ts";
import { aggregateVerdicts, type VantageView } from "../../../../shared/verdict/aggregate.ts";

interface StoredVantage {
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

/** A stored vantage row as the aggregation reads it. */
export function vantageView(vantage: StoredVantage): VantageView {
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
  };
}

/** The overall verdict of a check from its stored vantage rows. */
export function decideCheck(vantages: StoredVantage[]) {
  return aggregateVerdicts(vantages.map(vantageView));
}
