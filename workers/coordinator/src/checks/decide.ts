import { aggregateVerdicts } from "../../../../shared/probe/aggregate.ts";
import type { Verdict } from "../../../../shared/schemas/probe-result.ts";

interface StoredVantage {
  /** `done`: it tested; `failed` (node unreachable) and `untestable` (TLS it cannot speak): it could not. */
  status: string;
  region: string;
  network: string;
  mxHost: string;
  address: string;
  verdict: string | null;
  reason: string | null;
}

/** The overall verdict of a check from its stored vantage rows. */
export function decideCheck(vantages: StoredVantage[]) {
  return aggregateVerdicts(
    vantages.map((vantage) => ({
      region: vantage.region,
      network: vantage.network,
      mxHost: vantage.mxHost,
      address: vantage.address,
      verdict: (vantage.verdict as Verdict | null) ?? null,
      reason: vantage.reason,
      tested: vantage.status === "done",
    })),
  );
}
