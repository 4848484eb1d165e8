import { z } from "zod";
import { TargetOrigin } from "../dns/origin-asn.ts";
import { CouldNotTest } from "../verdict/could-not-test.ts";
import {
  CaseOutcome,
  CaseStep,
  ReplySummary,
  TlsSummary,
  TranscriptLine,
  Verdict,
} from "./probe-result.ts";
import { RunLocation } from "./protocol.ts";

/*
 * The report of a check, as `GET /api/v1/checks/{id}` sends it and `relaywatch check --json`
 * prints it, so scripts can move between the two. The coordinator builds it in
 * checks/report.ts, the CLI in cli/check-report.ts. Open objects (no additionalProperties:
 * false), so the API may add fields without breaking clients.
 */

export const IsoTime = z.string().describe("ISO 8601 time, UTC");

/** Case fields from a vantage's evidence: null once it has expired (the vantage's `evidence`). */
export const ReportCase = z.object({
  id: z.string(),
  mailFrom: z.string().nullable(),
  rcptTo: z.string().nullable(),
  recipientKind: z.enum(["foreign", "routing"]).nullable(),
  outcome: CaseOutcome,
  step: CaseStep,
  reply: ReplySummary.nullable(),
  data: ReplySummary.nullable().describe(
    "the reply to the end of DATA when the canary message was sent through this case",
  ),
  delivery: z
    .object({
      status: z.enum(["confirmed", "pending", "not-delivered"]),
      receivedAt: IsoTime.nullable(),
      receivedChain: z
        .array(z.string())
        .describe("the arrived message's Received: header values, last hop first"),
      mailFrom: z.string().nullable().describe("the envelope sender the relay used"),
      handedOverBy: z
        .string()
        .nullable()
        .describe(
          "the hop that handed the message to our canary mail server, as that server recorded it (the `from` part of the newest Received field)",
        ),
    })
    .nullable()
    .describe("what became of this case's canary message; null when none was sent"),
  note: z.string().nullable(),
  conn: z.number().int().nullable(),
  attempts: z.number().int().nullable(),
});

/** A vantage left out of a check because its node was out (health) when it was planned. */
export const UnavailableVantage = z.object({
  nodeId: z.string(),
  region: z.string(),
  reason: z.string(),
});
export type UnavailableVantage = z.infer<typeof UnavailableVantage>;

// The vantage fields below are the coordinator's (the CLI runs from one place it does not name).
export const ReportVantage = z.object({
  node: z.string(),
  region: z.string().describe("the node's label; `location` says where it really ran"),
  network: z.string(),
  location: RunLocation.nullable()
    .optional()
    .describe(
      "where the probe ran: a Cloudflare data centre (`colo`) or a self-hosted `site`; null until it answers",
    ),
  asn: z.number().int().nullable().optional().describe("the node's AS"),
  inside: z
    .boolean()
    .optional()
    .describe("the node is in the address's own AS: shown, but not counted as outside evidence"),
  status: z.enum(["pending", "done", "failed", "untestable"]),
  verdict: Verdict.nullable(),
  reason: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  banner: z.string().nullable(),
  tls: TlsSummary.nullable(),
  extensions: z.array(z.string()).nullable(),
  names: z
    .object({ host: z.string(), targetDomain: z.string(), canaryDomain: z.string() })
    .nullable(),
  evidence: z
    .enum(["stored", "expired", "none"])
    .describe(
      "the transcript, case details, TLS and EHLO details: `expired` after their retention (TRANSCRIPT_RETENTION_DAYS), `none` before the answer",
    ),
  cases: z
    .array(ReportCase)
    .describe("in run order; empty before the answer and after OUTCOME_RETENTION_DAYS"),
  transcript: z.array(TranscriptLine).nullable(),
  couldNotTest: CouldNotTest.nullable().optional(),
  listedOn: z
    .array(z.string())
    .optional()
    .describe(
      "DNS blocklists this vantage's node was on when the check ran: its refusals may be about the listing, and it gives no evidence for a green badge",
    ),
});

export const CheckReport = z.object({
  id: z.string(),
  status: z.enum(["queued", "running", "done", "failed"]),
  kind: z.enum(["domain", "host"]),
  target: z.string(),
  port: z.number().int().nullable(),
  domain: z.string().nullable(),
  verdict: Verdict.nullable().describe("`open` once a canary message proved a relay"),
  verdictLabel: z
    .enum(["open (confirmed)", "open (accepted, unconfirmed)", "suspect", "closed", "inconclusive"])
    .nullable(),
  proof: z
    .enum(["pending", "confirmed", "unconfirmed"])
    .nullable()
    .describe("delivery proof; null when not asked for or when nothing could be delivered"),
  proofDeadlineAt: IsoTime.nullable().describe("until when a pending proof waits for mail"),
  reason: z.string().nullable(),
  disagreement: z.string().nullable().describe("where vantages disagree, in words"),
  couldNotTest: CouldNotTest.nullable().optional(),
  createdAt: IsoTime,
  finishedAt: IsoTime.nullable(),
  deadlineAt: IsoTime,
  refusedAddresses: z.array(
    z.object({ host: z.string(), address: z.string(), reason: z.string() }),
  ),
  outsideVantages: z
    .number()
    .int()
    .optional()
    .describe(
      "independent vantages outside the target's network that answered, for the address with the fewest (vantages that ran in one place count once); those not on a DNS blocklist (`outsideVantages - listedOutsideVantages`) must be at least 2 for a closed verdict to be corroborated",
    ),
  listedOutsideVantages: z
    .number()
    .int()
    .optional()
    .describe(
      "how many of `outsideVantages` ran on a node listed on a DNS blocklist when the check ran: their refusals may be about the listing, so they corroborate no closed verdict and count toward no green badge",
    ),
  unavailableVantages: z
    .array(UnavailableVantage)
    .optional()
    .describe("nodes left out because they were out (health checks) when the check was planned"),
  mxHosts: z.array(
    z.object({
      host: z.string(),
      preference: z.number().int().nullable(),
      addresses: z.array(
        z.object({
          address: z.string(),
          origin: TargetOrigin.nullable()
            .optional()
            .describe(
              "the address's origin AS(es) and AS name from DNS (Team Cymru); null when unknown",
            ),
          vantages: z.array(ReportVantage),
        }),
      ),
    }),
  ),
});

export type CheckReport = z.infer<typeof CheckReport>;
export type ReportVantage = z.infer<typeof ReportVantage>;
