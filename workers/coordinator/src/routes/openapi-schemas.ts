import { z } from "zod";
import { BatchItemStatus, BatchStatus } from "../../../../shared/schemas/batch.ts";
import { IsoTime } from "../../../../shared/schemas/check-report.ts";
import { Verdict } from "../../../../shared/schemas/probe-result.ts";
import { NodeRuntime, RunLocation } from "../../../../shared/schemas/protocol.ts";

/*
 * Response shapes the API builds in code (the batch page) and that have no zod schema of their
 * own: described here for the OpenAPI document only. They are open objects
 * (no additionalProperties: false), so the API may add fields without breaking clients.
 */

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

const LimitState = z.object({
  policy: z
    .enum(["anonymous-checks-per-minute", "requests-per-minute", "checks-per-day"])
    .describe("the policy's name in the RateLimit-Policy and RateLimit fields"),
  counts: z.enum(["checks", "requests"]).describe("what one unit of the quota is"),
  limit: z.number().int(),
  windowSeconds: z.number().int(),
  used: z.number().int().describe("units taken in the current window"),
  remaining: z.number().int(),
  resetSeconds: z.number().int().describe("seconds until the window starts again"),
});

export const LimitsReport = z.object({
  caller: z.union([
    z.object({ kind: z.literal("anonymous") }),
    z.object({ kind: z.literal("api-key"), id: z.string(), name: z.string() }),
  ]),
  limits: z.array(LimitState),
  cooldown: z
    .object({
      target: z.string(),
      port: z.number().int(),
      remainingSeconds: z
        .number()
        .int()
        .describe("seconds before this caller may check the target again; 0 when it may now"),
      allowedAt: IsoTime,
      report: z.string().nullable().describe("the report of the check that started it"),
    })
    .nullable()
    .describe("only with ?target="),
});
export type LimitsReport = z.infer<typeof LimitsReport>;

export const ProbeDirectory = z.object({
  service: z.object({
    domain: z.string().describe("probes say EHLO probe-<region>.<domain>"),
    abuseContact: z.string(),
    canaryDomain: z.string().describe("every test recipient is in it; no message goes elsewhere"),
  }),
  optOut: z.object({
    domainRecord: z.string(),
    addressRecord: z.string(),
    honouredWithinSeconds: z.number().int(),
  }),
  budget: z
    .object({
      connectionsPerAddress: z.number().int(),
      connectionsAtOnce: z.number().int(),
      canaryMessagesPerVantage: z.number().int(),
      canaryMessagesPerCheck: z.number().int(),
    })
    .describe("what one check may do to one target address"),
  caps: z
    .object({
      checksPerMinute: z.number().int(),
      checksPerPrefixPerHour: z.number().int().describe("to one IPv4 /24 or IPv6 /48"),
    })
    .describe("each probe's own limits, whoever asks"),
  probes: z.array(
    z.object({
      id: z.string(),
      region: z.string(),
      site: z.string().describe("the site it was registered with (data centre or placement)"),
      location: RunLocation.nullable().describe(
        "where it said it runs at its last health check (a Cloudflare colo, or its site); null before the first",
      ),
      runtime: NodeRuntime,
      network: z.string(),
      asn: z.number().int(),
      ports: z.array(z.number().int()),
      maxConcurrentChecks: z
        .number()
        .int()
        .describe("probe runs it has in flight at once, at most, as it declares"),
      ehloName: z.string(),
      egress: z.array(
        z.object({
          address: z.string(),
          reverseName: z.string().nullable(),
          checkedAt: IsoTime.nullable().describe("the last daily blocklist lookup"),
          listedOn: z.array(z.object({ zone: z.string(), answer: z.string(), since: IsoTime })),
        }),
      ),
      listed: z.boolean().describe("on a DNS blocklist now: refusals from it may be about that"),
    }),
  ),
});
export type ProbeDirectory = z.infer<typeof ProbeDirectory>;
