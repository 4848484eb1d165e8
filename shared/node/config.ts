import { z } from "zod";
import { PROBE_BUDGET } from "../probe/budget.ts";
import { DEFAULT_CANARY_DOMAIN, DEFAULT_SERVICE_DOMAIN } from "../probe/defaults.ts";
import { NodeIdentity, NodeRuntime, RunLocation } from "../schemas/protocol.ts";
import { probeEhloName } from "./ehlo-name.ts";

/**
 * A probe node's configuration, read from its environment (wrangler vars and secrets on
 * Cloudflare, text bindings in the workerd config when self-hosted).
 *
 * Port 25 on the "cloudflare" runtime is refused, not stripped: Cloudflare forbids outbound
 * port 25, so a node configured with it would advertise a reach it does not have. Failing loudly
 * (every request answers 500 node_misconfigured) makes the operator fix the config instead of
 * discovering later that every port-25 job fails.
 */

const CLOUDFLARE_FORBIDDEN_PORT = 25;
/** HMAC-SHA256 keys shorter than this are too easy to guess. */
const MIN_SECRET_LENGTH = 32;

/** A DNS label, because the region becomes part of the HELO name `probe-<region>.<canary>`. */
const DnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "must be a lower-case DNS label such as eu-west");

const PortList = z
  .string()
  .regex(/^\s*\d+(?:\s*,\s*\d+)*\s*$/, "must be a comma-separated list of ports such as 465,587")
  .transform((text) => [...new Set(text.split(",").map((port) => Number(port.trim())))])
  .pipe(z.array(z.number().int().min(1).max(65_535)).min(1))
  .transform((ports) => ports.sort((a, b) => a - b));

/**
 * Canary messages one probe run may send, whatever a job asks: the node's own cap, so that even
 * a forged or replayed job cannot turn it into a mailer (the coordinator caps a check at 10).
 */
export const NODE_MAX_MESSAGES_CAP = PROBE_BUDGET.maxMessages;

const CanaryDomain = z
  .string()
  .max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case domain name");

/** Where the canary message's report link points: an origin, nothing after it. */
const ReportOrigin = z
  .url({ protocol: /^https?$/ })
  .refine((text) => new URL(text).origin === text.replace(/\/$/, ""), "must be an origin only")
  .transform((text) => text.replace(/\/$/, ""));

const NodeEnv = z
  .object({
    NODE_ID: z.string().min(1).max(64),
    NODE_REGION: DnsLabel,
    NODE_NETWORK: z.string().min(1).max(64),
    NODE_RUNTIME: NodeRuntime,
    NODE_ALLOWED_PORTS: PortList,
    PROBE_SECRET: z.string().min(MIN_SECRET_LENGTH),
    ALLOW_LOOPBACK_TARGETS: z.enum(["true", "false"]).default("false"),
    /** The domain our canary mail goes to; the HELO name and every test recipient use it. */
    NODE_CANARY_DOMAIN: CanaryDomain.default(DEFAULT_CANARY_DOMAIN),
    /** The coordinator's public origin, for the report link in canary messages; none when unset. */
    NODE_REPORT_ORIGIN: ReportOrigin.optional(),
    NODE_MAX_MESSAGES: z
      .string()
      .regex(/^\d$/, `must be a whole number from 0 to ${NODE_MAX_MESSAGES_CAP}`)
      .transform(Number)
      .pipe(z.number().max(NODE_MAX_MESSAGES_CAP))
      .default(NODE_MAX_MESSAGES_CAP),
    /** The service's domain, for the EHLO name; the coordinator's SERVICE_DOMAIN. */
    NODE_SERVICE_DOMAIN: z
      .string()
      .max(200)
      .regex(
        /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/,
        "must be a lower-case domain name",
      )
      .default(DEFAULT_SERVICE_DOMAIN),
    /** Where a self-hosted node runs (its data centre), reported with every answer. */
    NODE_SITE: RunLocation.shape.name.optional(),
    NODE_MAX_CONCURRENT_JOBS: z
      .string()
      .regex(/^[1-9]\d{0,3}$/, "must be a whole number of jobs such as 4")
      .transform(Number)
      .default(4),
  })
  .refine(
    (env) =>
      env.NODE_RUNTIME !== "cloudflare" ||
      !env.NODE_ALLOWED_PORTS.includes(CLOUDFLARE_FORBIDDEN_PORT),
    {
      path: ["NODE_ALLOWED_PORTS"],
      message: "Cloudflare forbids outbound port 25; remove it from this node's ports",
    },
  );

export interface NodeConfig {
  identity: NodeIdentity;
  /** The configured site; a Cloudflare node reports its data centre instead, when it knows it. */
  site: string;
  /** Never part of the identity: the identity is served to anyone who asks. */
  secret: string;
  /** What canary mail this node sends, from its own configuration only. */
  canary: { domain: string; reportOrigin: string | null; maxMessages: number };
}

export type NodeConfigResult = { ok: true; config: NodeConfig } | { ok: false; problem: string };

/** Names the variables at fault and why, never their values (one of them is the secret). */
function describeProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`)
    .join("; ");
}

export function parseNodeConfig(env: Record<string, unknown> | undefined): NodeConfigResult {
  const parsed = NodeEnv.safeParse(env ?? {});
  if (!parsed.success) return { ok: false, problem: describeProblems(parsed.error) };
  const vars = parsed.data;
  const identity = NodeIdentity.parse({
    nodeId: vars.NODE_ID,
    region: vars.NODE_REGION,
    network: vars.NODE_NETWORK,
    runtime: vars.NODE_RUNTIME,
    allowedPorts: vars.NODE_ALLOWED_PORTS,
    loopbackAllowed: vars.ALLOW_LOOPBACK_TARGETS === "true",
    ehloName: probeEhloName(vars.NODE_REGION, vars.NODE_SERVICE_DOMAIN),
    maxConcurrentJobs: vars.NODE_MAX_CONCURRENT_JOBS,
  });
  const canary = {
    domain: vars.NODE_CANARY_DOMAIN,
    reportOrigin: vars.NODE_REPORT_ORIGIN ?? null,
    maxMessages: vars.NODE_MAX_MESSAGES,
  };
  return {
    ok: true,
    config: {
      identity,
      site: vars.NODE_SITE ?? vars.NODE_REGION,
      secret: vars.PROBE_SECRET,
      canary,
    },
  };
}
