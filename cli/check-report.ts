import { randomUUID } from "node:crypto";
import { replyLine } from "../shared/probe/summaries.ts";
import type { CheckReport, ReportVantage } from "../shared/schemas/check-report.ts";
import type { ProbeResult } from "../shared/schemas/probe-result.ts";
import { aggregateVerdicts, type OverallVerdict } from "../shared/verdict/aggregate.ts";
import { API_COULD_NOT_TEST_WORDS, couldNotTest } from "../shared/verdict/could-not-test.ts";
import { verdictLabel } from "../shared/verdict/verdict-label.ts";
import type { TestPlan } from "./resolve.ts";
import type { AddressResult } from "./run.ts";

/** This machine, as the one vantage of a CLI check. */
export const CLI_VANTAGE = { node: "cli", region: "this machine", network: "local" } as const;

/** The verdict over every address, by the service's own aggregation (open if any relays). */
export function overallVerdict(results: AddressResult[]): OverallVerdict {
  return aggregateVerdicts(
    results.map(({ mxHost, address, result }) => ({
      region: CLI_VANTAGE.region,
      network: CLI_VANTAGE.network,
      mxHost,
      address,
      verdict: result.verdict,
      reason: result.reason,
      // This machine ran here, and its network is unknown: never inside.
      location: null,
      inside: false,
      // node:tls records every certificate: this machine tests whatever it reaches.
      tested: true,
    })),
    // One machine is the only vantage there is: nothing to corroborate with.
    1,
  );
}

/**
 * The CLI's run as the report `GET /api/v1/checks/{id}` returns: per MX host, per address, with
 * this machine as the only vantage. Nothing is stored, so the id is a fresh one and there is no
 * delivery record: the CLI sees the server's reply to DATA, never the arrival.
 */
export function cliCheckReport(
  plan: TestPlan,
  port: number,
  results: AddressResult[],
  overall: OverallVerdict,
  startedAt: Date,
  timeoutMs: number,
): CheckReport {
  return {
    id: `cli-${randomUUID()}`,
    status: "done",
    kind: plan.kind,
    target: plan.target,
    port,
    domain: plan.kind === "domain" ? plan.target : null,
    verdict: overall.verdict,
    verdictLabel: verdictLabel(overall.verdict, null),
    proof: null,
    proofDeadlineAt: null,
    reason: overall.reason,
    disagreement: overall.summary,
    couldNotTest: couldNotTest(API_COULD_NOT_TEST_WORDS, overall.verdict, overall.reason),
    createdAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    deadlineAt: new Date(startedAt.getTime() + timeoutMs).toISOString(),
    refusedAddresses: plan.skipped,
    mxHosts: plan.mailHosts.map((mailHost) => ({
      host: mailHost.host,
      preference: mailHost.preference,
      addresses: mailHost.addresses.map((address) => ({
        address,
        vantages: results
          .filter((run) => run.mxHost === mailHost.host && run.address === address)
          .map((run) => reportVantage(run.result)),
      })),
    })),
  };
}

function reportVantage(result: ProbeResult): ReportVantage {
  return {
    ...CLI_VANTAGE,
    status: "done",
    verdict: result.verdict,
    reason: result.reason,
    durationMs: Math.round(result.durationMs),
    banner: result.banner ? replyLine(result.banner) : null,
    tls: result.tls,
    extensions: result.extensions,
    names: result.names,
    evidence: "stored",
    cases: result.cases.map((probeCase) => ({
      id: probeCase.id,
      mailFrom: probeCase.mailFrom,
      rcptTo: probeCase.rcptTo,
      recipientKind: probeCase.recipientKind,
      outcome: probeCase.outcome,
      step: probeCase.step,
      reply: probeCase.reply,
      data: probeCase.data,
      delivery: null,
      note: probeCase.note,
      conn: probeCase.conn,
      attempts: probeCase.attempts,
    })),
    transcript: result.transcript,
    couldNotTest: couldNotTest(API_COULD_NOT_TEST_WORDS, result.verdict, result.reason),
  };
}
