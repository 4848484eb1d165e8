import { z } from "zod";
import { RELAY_CASE_IDS } from "../probe/cases.ts";
import { SMTP_PORT } from "../smtp/ports.ts";
import { IsoTime } from "./check-report.ts";
import { Verdict } from "./probe-result.ts";
import { NodeRuntime, RunLocation } from "./protocol.ts";

/** The public API's request and response shapes. */

const Port = z.number().int().min(1).max(65_535);
const CaseIds = z
  .array(z.string())
  .min(1)
  .max(100)
  .refine((ids) => ids.every((id) => RELAY_CASE_IDS.includes(id)), { message: "unknown case id" });

export const DomainCheckRequest = z
  .object({
    domain: z.string().min(1).max(253),
    /** Test every MX on this port instead of 25 (465 and 587 are the other public ports). */
    port: Port.optional(),
    cases: CaseIds.optional(),
    /** Called with a summary of the report when the check finishes. */
    webhook: z.url().max(2048).optional(),
    /** Delivery proof: send a canary message through accepted cases and wait for it to arrive. */
    proof: z.boolean().optional(),
    /**
     * TLS from the first byte (SMTPS, RFC 8314) rather than STARTTLS. Default: true on port 465
     * only; set it for a server that speaks implicit TLS on another port.
     */
    implicitTls: z.boolean().optional(),
  })
  .strict();
export type DomainCheckRequest = z.infer<typeof DomainCheckRequest>;

export const HostCheckRequest = z
  .object({
    host: z.string().min(1).max(253),
    port: Port.default(SMTP_PORT),
    cases: CaseIds.optional(),
    /** Called with a summary of the report when the check finishes. */
    webhook: z.url().max(2048).optional(),
    /** Delivery proof: send a canary message through accepted cases and wait for it to arrive. */
    proof: z.boolean().optional(),
    /**
     * TLS from the first byte (SMTPS, RFC 8314) rather than STARTTLS. Default: true on port 465
     * only; set it for a server that speaks implicit TLS on another port.
     */
    implicitTls: z.boolean().optional(),
  })
  .strict();
export type HostCheckRequest = z.infer<typeof HostCheckRequest>;

/**
 * Either form; the union's own message is what a body of neither form gets (the API names the
 * form a body was meant as, and what is wrong with it, when it can tell).
 */
export const CreateCheckRequest = z.union([DomainCheckRequest, HostCheckRequest], {
  error: 'send either {"domain": "..."} or {"host": "...", "port": 25}',
});
export type CreateCheckRequest = z.infer<typeof CreateCheckRequest>;

export const CheckStatus = z.enum(["queued", "running", "done", "failed"]);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const CreateCheckResponse = z.object({
  id: z.string(),
  status: CheckStatus,
  location: z.string(),
});
export type CreateCheckResponse = z.infer<typeof CreateCheckResponse>;

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
export type LimitState = z.infer<typeof LimitState>;

export const LimitsQuery = z
  .object({
    target: z.string().min(1).max(255).optional().describe("a domain, host name or address"),
    port: z.coerce.number().int().min(1).max(65_535).default(25),
  })
  .strict();
export type LimitsQuery = z.infer<typeof LimitsQuery>;

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

export const WebhookSecret = z.object({
  secret: z.string(),
  algorithm: z.string().describe("how a receiver checks `X-Relaywatch-Signature` with it"),
});
export type WebhookSecret = z.infer<typeof WebhookSecret>;

/** Milliseconds since 1970, as the badge and public-list answers carry times. */
const EpochMs = z.number().int();

export const HistoryEntry = z.object({
  id: z.string(),
  status: CheckStatus,
  verdict: Verdict.nullable(),
  createdAt: EpochMs,
  finishedAt: EpochMs,
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const DomainHistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const DomainHistory = z.object({
  domain: z.string(),
  badge: z.object({
    status: z.enum(["closed", "open", "suspect", "unknown"]),
    reason: z.string().describe("why the badge says what it says"),
    confirmed: z.boolean().optional().describe("open, and proven by a delivered canary message"),
  }),
  checks: z.array(HistoryEntry).describe("newest first"),
});
export type DomainHistory = z.infer<typeof DomainHistory>;

export const ListingRequest = z
  .object({
    domain: z.string().min(1).max(253),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .default(25)
      .describe(
        "the port the badge is about; it is written into the TXT value to publish, so only the domain's owner can set it",
      ),
  })
  .strict();
export type ListingRequest = z.infer<typeof ListingRequest>;

export const ListingInstructions = z.object({
  domain: z.string(),
  token: z.string(),
  verified: z.boolean(),
  record: z.object({ name: z.string(), type: z.literal("TXT"), value: z.string() }),
  verify: z.string().describe("where to POST once the record is published"),
  instructions: z.string(),
});
export type ListingInstructions = z.infer<typeof ListingInstructions>;

export const ListingVerified = z.object({
  domain: z.string(),
  verified: z.literal(true),
  verifiedAt: EpochMs,
  port: z.number().int().describe("the badge's port, as the TXT record published it"),
});
export type ListingVerified = z.infer<typeof ListingVerified>;

export const PublicEntry = z.object({
  domain: z.string(),
  verifiedAt: EpochMs,
  lastCheckedAt: EpochMs,
  report: z.string().describe("the report of the check the green badge rests on"),
});
export type PublicEntry = z.infer<typeof PublicEntry>;

export const PublicList = z.object({ domains: z.array(PublicEntry) });
export type PublicList = z.infer<typeof PublicList>;

/** GET /api/v1/probes (and the page /about/probes): who connects to mail servers for us. */
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
