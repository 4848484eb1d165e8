/** The run's record turned into a ProbeResult, with the verdict and the reason for it. */
import type { DataStep, ProbeResult } from "../schemas/probe-result.ts";
import { boundResult } from "./bound-result.ts";
import type { ExpandedCase } from "./expand.ts";
import type { ProbeRun } from "./run-context.ts";
import { summarize } from "./summaries.ts";
import { decideVerdict } from "./verdict.ts";

/**
 * `blockedBeforeTesting` is set when the server never let a case run; `expanded` is every
 * case of the suite, and one that got no outcome is reported as not tried.
 */
export function finishProbe(
  run: ProbeRun,
  blockedBeforeTesting: string | null,
  expanded: ExpandedCase[],
  dataStep: DataStep,
): ProbeResult {
  const { address, port, implicitTls, hostName } = run.target;
  const cases = expanded.map(
    (entry) =>
      run.results.get(entry.id) ?? {
        ...entry,
        outcome: "error" as const,
        step: "connect" as const,
        reply: null,
        note: "not tried",
        conn: null,
        attempts: 0,
        data: null,
      },
  );
  const decided = decideVerdict({
    cases,
    blockedBeforeTesting,
    dataStep,
    stoppedBy: run.stopReason,
  });
  const { verdict } = decided;
  const tlsFailure = run.tls.failure;
  const notTestableHere =
    verdict === "inconclusive" && tlsFailure && run.request.certificatesEnforced
      ? `TLS not testable from this vantage (certificate not accepted by a runtime that verifies every certificate: ${tlsFailure})`
      : null;
  // Why an inconclusive run could not use TLS belongs in its reason, not only in the log.
  const reason =
    notTestableHere ??
    (verdict === "inconclusive" && tlsFailure && !decided.reason.includes(tlsFailure)
      ? `${decided.reason}; STARTTLS failed from this vantage: ${tlsFailure}`
      : decided.reason);
  const finishedAt = Date.now();
  return boundResult({
    target: { host: hostName ?? address, port, address, implicitTls },
    names: {
      host: run.names?.host ?? hostName ?? address,
      targetDomain: run.names?.targetDomain ?? "",
      canaryDomain: run.request.canaryDomain,
    },
    verdict,
    reason,
    notTestableHere,
    dataStep,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    durationMs: finishedAt - run.startedAt,
    banner: summarize(run.firstBanner),
    extensions: run.extensions,
    tls: run.tls.info,
    cases,
    connections: run.connections,
    transcript: run.transcript.entries,
  });
}
