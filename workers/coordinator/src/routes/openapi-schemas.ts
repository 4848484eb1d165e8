import { z } from "zod";
import { BatchItemStatus, BatchStatus } from "../../../../shared/schemas/batch.ts";
import {
  CaseOutcome,
  CaseStep,
  ReplySummary,
  TlsSummary,
  TranscriptLine,
  Verdict,
} from "../../../../shared/schemas/probe-result.ts";

/*
 * Response shapes the API builds in code (checks/report.ts, the batch page) and that have no zod
 * schema of their own: described here for the OpenAPI document only. They are open objects
 * (no additionalProperties: false), so the API may add fields without breaking clients.
 */

const IsoTime = z.string().describe("ISO 8601 time, UTC");

const ReportCase = z.object({
  id: z.string(),
  mailFrom: z.string(),
  rcptTo: z.string(),
  recipientKind: z.enum(["foreign", "routing"]),
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
    })
    .nullable()
    .describe("what became of this case's canary message; null when none was sent"),
  note: z.string().nullable(),
  conn: z.number().int().nullable(),
  attempts: z.number().int(),
});

const ReportVantage = z.object({
  node: z.string(),
  region: z.string(),
  network: z.string(),
  status: z.enum(["pending", "done", "failed"]),
  verdict: Verdict.nullable(),
  reason: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  banner: z.string().nullable(),
  tls: TlsSummary.nullable(),
  extensions: z.array(z.string()).nullable(),
  names: z
    .object({ host: z.string(), targetDomain: z.string(), canaryDomain: z.string() })
    .nullable(),
  cases: z.array(ReportCase),
  transcript: z.array(TranscriptLine),
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
  createdAt: IsoTime,
  finishedAt: IsoTime.nullable(),
  deadlineAt: IsoTime,
  refusedAddresses: z.array(
    z.object({ host: z.string(), address: z.string(), reason: z.string() }),
  ),
  mxHosts: z.array(
    z.object({
      host: z.string(),
      preference: z.number().int().nullable(),
      addresses: z.array(z.object({ address: z.string(), vantages: z.array(ReportVantage) })),
    }),
  ),
});

export const BatchItem = z.object({
  position: z.number().int(),
  domain: z.string(),
  port: z.number().int().describe("the item's own port, else the batch's, else 25"),
  status: BatchItemStatus,
  checkId: z.string().nullable(),
  verdict: Verdict.nullable(),
  reason: z.string().nullable(),
  error: z.string().nullable().describe("why the item was refused, as `code: message`"),
  report: z.string().nullable().describe("the path of the item's check report, once started"),
});

const BatchCounts = z.object({
  queued: z.number().int(),
  started: z.number().int(),
  done: z.number().int(),
  refused: z.number().int(),
  open: z.number().int(),
  suspect: z.number().int(),
  closed: z.number().int(),
  inconclusive: z.number().int(),
});

export const BatchPage = z.object({
  id: z.string(),
  status: BatchStatus,
  total: z.number().int(),
  port: z.number().int().nullable().describe("the batch's port; null means 25"),
  counts: BatchCounts,
  createdAt: IsoTime,
  finishedAt: IsoTime.nullable(),
  page: z.number().int(),
  perPage: z.number().int(),
  pages: z.number().int(),
  items: z.array(BatchItem),
});
