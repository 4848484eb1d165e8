import { z } from "zod";
import { MIN_WRAPPING_KEY_LENGTH } from "../../../shared/auth/secret-wrap.ts";
import { isLoopbackAddress } from "../../../shared/guard/index.ts";
import { type VantageNode, VantageNodes } from "../../../shared/schemas/protocol.ts";
import type { ProbeMessage } from "./checks/messages.ts";

export interface CoordinatorEnv {
  DB: D1Database;
  /** R2: each vantage's transcript and case details, compressed (evidence/store.ts). */
  EVIDENCE: R2Bucket;
  PROBE_QUEUE: Queue<ProbeMessage>;
  /**
   * JSON array of VantageNode: bootstrap only, migrated into the node registry (D1) when the
   * registry is empty; after that nodes are managed with the admin CLI.
   */
  PROBE_NODES: string;
  /** JSON object node id -> HMAC secret for the PROBE_NODES bootstrap (a Worker secret). */
  NODE_SECRETS: string;
  /**
   * The key canary messages are authenticated with (shared/probe/canary-proof.ts): a Worker
   * secret of 32+ characters. Without it no check can ask for proof.
   */
  PROOF_SECRET?: string;
  /** Seconds after its check was created that a canary message still confirms (default 86400). */
  PROOF_LATE_ARRIVAL_SECONDS?: string;
  /** Wraps the node secrets stored in the registry (a Worker secret, 32+ characters). */
  NODE_SECRET_KEY?: string;
  /** "true" only in local development and tests: loopback targets on any port. */
  ALLOW_LOOPBACK_TARGETS?: string;
  /** Zone file text: local development and tests resolve from it instead of DNS over HTTPS. */
  DNS_ZONE?: string;
  DOH_ENDPOINT?: string;
  /** Time budget of one probe run on one node. */
  PROBE_TIME_BUDGET_MS?: string;
  /** Batch dispatch: one message per slice of a batch's domains. */
  BATCH_QUEUE: Queue<unknown>;
  /** Webhook deliveries, retried with back-off through message delays. */
  WEBHOOK_QUEUE: Queue<unknown>;
  /** Workers rate-limiting binding for anonymous use, keyed by client address. */
  ANON_RATE_LIMITER?: RateLimit;
  /** Anonymous checks per minute per client address (IPv6: per /64), counted in D1 (default 10). */
  ANON_CHECKS_PER_MINUTE?: string;
  /** Turnstile for anonymous use (the page and the API): both keys, or TURNSTILE = "off". */
  TURNSTILE_SITE_KEY?: string;
  TURNSTILE_SECRET_KEY?: string;
  /** "off" turns Turnstile off on purpose (local development and tests); anything else needs keys. */
  TURNSTILE?: string;
  /** Seconds before the same target may be checked again anonymously. */
  TARGET_COOLDOWN_SECONDS?: string;
  /** The public origin of the coordinator, for links in webhooks and badges. */
  PUBLIC_ORIGIN?: string;
  /** Webhook signatures: each key's secret is derived from it (see webhooks/secret.ts). */
  WEBHOOK_SIGNING_SECRET?: string;
  /** Hours before a badge domain's latest check is re-checked by the cron (default 24). */
  BADGE_RECHECK_HOURS?: string;
  /** Seconds to wait for canary messages after a check with proof finishes (default 600). */
  PROOF_WINDOW_SECONDS?: string;
  /** Per-node caps (see nodes/caps.ts): probe runs a minute, and an hour to one /24 or /48. */
  NODE_CHECKS_PER_MINUTE?: string;
  NODE_CHECKS_PER_PREFIX_PER_HOUR?: string;
  /** DNS blocklists the nodes' egress addresses are looked up in daily, comma-separated zones. */
  DNSBL_ZONES?: string;
  /** The canary domain the nodes send to (their NODE_CANARY_DOMAIN), shown on /about/probes. */
  CANARY_DOMAIN?: string;
  /** The domain probes name themselves under: EHLO `probe-<region>.<SERVICE_DOMAIN>`. */
  SERVICE_DOMAIN?: string;
  /** Where mail administrators write about our probes (default abuse@<SERVICE_DOMAIN>). */
  ABUSE_CONTACT?: string;
  /** Days a vantage's evidence (transcript, case details) is kept in R2 (default 90). */
  TRANSCRIPT_RETENTION_DAYS?: string;
  /** Days the packed case outcomes are kept in D1 (default 365); verdicts are kept for good. */
  OUTCOME_RETENTION_DAYS?: string;
}

export interface CoordinatorConfig {
  /** PROBE_NODES: migrated into the registry on the first run (see nodes/registry.ts). */
  bootstrapNodes: VantageNode[];
  bootstrapSecrets: Record<string, string>;
  /** NODE_SECRET_KEY: unwraps the registry's node secrets. */
  nodeSecretKey: string;
  allowLoopback: boolean;
  probeTimeBudgetMs: number;
}

/** HMAC keys shorter than this are too easy to guess; probe nodes demand the same. */
export const MIN_SECRET_LENGTH = 32;

const Secrets = z.record(z.string(), z.string().min(MIN_SECRET_LENGTH));

export class ConfigError extends Error {}

/** Reads and checks the configuration once per request; a broken one is a clear 503. */
export function readConfig(env: CoordinatorEnv): CoordinatorConfig {
  const nodes = VantageNodes.safeParse(parseJson(env.PROBE_NODES, "PROBE_NODES"));
  if (!nodes.success)
    throw new ConfigError(`PROBE_NODES is not a valid node list: ${nodes.error.message}`);
  const secrets = Secrets.safeParse(parseJson(env.NODE_SECRETS, "NODE_SECRETS"));
  if (!secrets.success)
    throw new ConfigError(
      `NODE_SECRETS must map node ids to secrets of ${MIN_SECRET_LENGTH}+ characters`,
    );
  const missing = nodes.data.filter((node) => !secrets.data[node.id]).map((node) => node.id);
  if (missing.length > 0) throw new ConfigError(`no secret for node(s): ${missing.join(", ")}`);
  const allowLoopback = env.ALLOW_LOOPBACK_TARGETS === "true";
  const plainText = nodes.data.filter((node) => !isPrivateChannel(node, allowLoopback));
  if (plainText.length > 0) {
    throw new ConfigError(
      `node(s) ${plainText.map((node) => node.id).join(", ")} must be reached over https: jobs carry proof keys`,
    );
  }
  for (const [name, value] of [
    ["PROOF_SECRET", env.PROOF_SECRET],
    ["WEBHOOK_SIGNING_SECRET", env.WEBHOOK_SIGNING_SECRET],
  ] as const) {
    if (value !== undefined && value.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`${name} must be at least ${MIN_SECRET_LENGTH} characters`);
    }
  }
  if ((env.NODE_SECRET_KEY ?? "").length < MIN_WRAPPING_KEY_LENGTH) {
    throw new ConfigError(
      `NODE_SECRET_KEY must be set, at least ${MIN_WRAPPING_KEY_LENGTH} characters: it wraps the node registry's secrets`,
    );
  }
  const budget = Number.parseInt(env.PROBE_TIME_BUDGET_MS ?? "120000", 10);
  return {
    bootstrapNodes: nodes.data,
    bootstrapSecrets: secrets.data,
    nodeSecretKey: env.NODE_SECRET_KEY ?? "",
    allowLoopback,
    probeTimeBudgetMs: Number.isFinite(budget) && budget >= 5_000 ? budget : 120_000,
  };
}

/**
 * A job travels privately over https or a service binding; plain http only to a node on loopback,
 * in local development where ALLOW_LOOPBACK_TARGETS is on.
 */
export function isPrivateChannel(node: { url?: string | null }, allowLoopback: boolean): boolean {
  if (node.url === undefined || node.url === null) return true;
  const url = new URL(node.url);
  if (url.protocol === "https:") return true;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return (
    allowLoopback && url.protocol === "http:" && (host === "localhost" || isLoopbackAddress(host))
  );
}

function parseJson(text: string | undefined, name: string): unknown {
  try {
    return JSON.parse(text ?? "");
  } catch {
    throw new ConfigError(`${name} is not valid JSON`);
  }
}
