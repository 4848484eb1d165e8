import { z } from "zod";
import { MIN_WRAPPING_KEY_LENGTH } from "../../../shared/auth/secret-wrap.ts";
import { isLoopbackAddress } from "../../../shared/guard/index.ts";
import { DEFAULT_CANARY_DOMAIN, DEFAULT_SERVICE_DOMAIN } from "../../../shared/probe/defaults.ts";
import {
  DomainName,
  describeEnvProblems,
  EnvFlag,
  type EveryVarIsRead,
  JsonText,
  WholeNumber,
  withoutEmptyValues,
} from "../../../shared/schemas/env-vars.ts";
import { type VantageNode, VantageNodes } from "../../../shared/schemas/protocol.ts";
import { parseDomainName } from "./badge/domain-name.ts";
import { DEFAULT_NODE_CAPS, type NodeCaps } from "./nodes/caps.ts";
import { DEFAULT_DNSBL_ZONES } from "./probes/blocklists.ts";

/**
 * The coordinator's bindings and [vars], generated from wrangler.toml by `npm run types`
 * (worker-configuration.d.ts; `npm run check` fails when it is out of date). Code reads no
 * variable from it: every variable, secrets included, is parsed once by `readConfig`.
 */
export type CoordinatorEnv = Env;

/** HMAC keys shorter than this are too easy to guess; probe nodes demand the same. */
const MIN_SECRET_LENGTH = 32;

const Secret = z
  .string()
  .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`);

/** Origins are joined with paths: no trailing slash. */
const Origin = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .transform((text) => text.replace(/\/+$/, ""));

/**
 * Every variable of the coordinator, as text in, typed out. Unset and empty are the same; a
 * default is given here or nowhere. Add a variable here, never a read of `env.NAME` elsewhere.
 */
const CoordinatorVariables = z.object({
  /**
   * JSON array of VantageNode: bootstrap only, migrated into the node registry (D1) when the
   * registry is empty; after that nodes are managed with the admin CLI.
   */
  PROBE_NODES: JsonText(VantageNodes),
  /** JSON object node id -> HMAC secret for the PROBE_NODES bootstrap (a Worker secret). */
  NODE_SECRETS: JsonText(
    z.record(z.string(), Secret, { error: "must be a JSON object of node ids to secrets" }),
  ),
  /** Wraps the node secrets stored in the registry (a Worker secret). */
  NODE_SECRET_KEY: z
    .string({ error: "must be set: it wraps the node registry's secrets" })
    .min(MIN_WRAPPING_KEY_LENGTH, `must be at least ${MIN_WRAPPING_KEY_LENGTH} characters`),
  /** "true" only in local development and tests: loopback targets on any port. */
  ALLOW_LOOPBACK_TARGETS: EnvFlag.default(false),
  /** Zone file text: local development and tests resolve from it instead of DNS over HTTPS. */
  DNS_ZONE: z.string().optional(),
  DOH_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  /** Time budget of one probe run on one node. */
  PROBE_TIME_BUDGET_MS: WholeNumber("milliseconds", 5_000).default(120_000),
  /** Seconds before the same target may be checked again anonymously; 0 turns it off. */
  TARGET_COOLDOWN_SECONDS: WholeNumber("seconds").default(300),
  /** Anonymous checks per minute per client address (IPv6: per /64), counted in D1. */
  ANON_CHECKS_PER_MINUTE: WholeNumber("checks", 1).default(10),
  /** Turnstile for anonymous use (the page and the API): both keys, or TURNSTILE = "off". */
  TURNSTILE_SITE_KEY: z.string().optional(),
  TURNSTILE_SECRET_KEY: z.string().optional(),
  /** "off" turns Turnstile off on purpose (local development and tests). */
  TURNSTILE: z.literal("off", { error: 'must be "off" or unset' }).optional(),
  /** The public origin of the coordinator, for links in webhooks, badges and canary mail. */
  PUBLIC_ORIGIN: Origin.optional(),
  /** Webhook signatures: each key's secret is derived from it (see webhooks/secret.ts). */
  WEBHOOK_SIGNING_SECRET: Secret.optional(),
  /**
   * The key canary messages are authenticated with (shared/probe/canary-proof.ts): a Worker
   * secret. Without it no check can ask for proof.
   */
  PROOF_SECRET: Secret.optional(),
  /** Hours before a badge domain's latest check is re-checked by the cron. */
  BADGE_RECHECK_HOURS: WholeNumber("hours", 1).default(24),
  /** Seconds to wait for canary messages after a check with proof finishes. */
  PROOF_WINDOW_SECONDS: WholeNumber("seconds").default(600),
  /** Seconds after its check was created that a canary message still confirms. */
  PROOF_LATE_ARRIVAL_SECONDS: WholeNumber("seconds").default(24 * 60 * 60),
  /** The domain probes name themselves under: EHLO `probe-<region>.<SERVICE_DOMAIN>`. */
  SERVICE_DOMAIN: z
    .string()
    .transform((text) => text.toLowerCase())
    .pipe(DomainName)
    .default(DEFAULT_SERVICE_DOMAIN),
  /** Per-node caps (see nodes/caps.ts): probe runs a minute, and an hour to one /24 or /48. */
  NODE_CHECKS_PER_MINUTE: WholeNumber("probe runs", 1).default(DEFAULT_NODE_CAPS.checksPerMinute),
  NODE_CHECKS_PER_PREFIX_PER_HOUR: WholeNumber("probe runs", 1).default(
    DEFAULT_NODE_CAPS.checksPerPrefixPerHour,
  ),
  /** DNS blocklists the nodes' egress addresses are looked up in daily, comma-separated zones. */
  DNSBL_ZONES: z
    .string()
    .transform((text, context) => {
      const zones = text
        .split(",")
        .map((zone) => zone.trim())
        .filter((zone) => zone !== "")
        .map(parseDomainName);
      if (zones.length > 10 || zones.some((zone) => zone === null)) {
        context.addIssue({
          code: "custom",
          message: "must be up to 10 comma-separated domain names",
        });
        return z.NEVER;
      }
      return zones.filter((zone) => zone !== null);
    })
    .default(DEFAULT_DNSBL_ZONES),
  /** The canary domain the nodes send to (their NODE_CANARY_DOMAIN), shown on /about/probes. */
  CANARY_DOMAIN: DomainName.default(DEFAULT_CANARY_DOMAIN),
  /** Where mail administrators write about our probes (default abuse@<SERVICE_DOMAIN>). */
  ABUSE_CONTACT: z.email({ error: "must be an email address" }).optional(),
  /** Days a vantage's evidence (transcript, case details) is kept in R2. */
  TRANSCRIPT_RETENTION_DAYS: WholeNumber("days", 1).default(90),
  /** Days the packed case outcomes are kept in D1; verdicts are kept for good. */
  OUTCOME_RETENTION_DAYS: WholeNumber("days", 1).default(365),
});
export type CoordinatorVariableName = keyof typeof CoordinatorVariables.shape;

/** A compile error here names a wrangler.toml [vars] entry to add to CoordinatorVariables. */
type VarNames = { [K in keyof Env]: Env[K] extends string ? K : never }[keyof Env];
const _everyVarIsRead: EveryVarIsRead<VarNames, CoordinatorVariableName> = true;

export interface CoordinatorConfig {
  /** PROBE_NODES: migrated into the registry on the first run (see nodes/registry.ts). */
  bootstrapNodes: VantageNode[];
  bootstrapSecrets: Record<string, string>;
  /** NODE_SECRET_KEY: unwraps the registry's node secrets. */
  nodeSecretKey: string;
  allowLoopback: boolean;
  /** DNS_ZONE when set (tests, local development), else DNS over HTTPS at DOH_ENDPOINT. */
  dns: { zone: string } | { dohEndpoint: string | undefined };
  probeTimeBudgetMs: number;
  /** Anonymous callers' cool-down per target; 0 when off. */
  targetCooldownSeconds: number;
  anonChecksPerMinute: number;
  /**
   * Both keys; "off" on purpose; "unset" when neither key nor TURNSTILE = "off" is set, which
   * fails anonymous use only (pages/turnstile.ts): never a silent "off".
   */
  turnstile: { siteKey: string; secretKey: string } | "off" | "unset";
  publicOrigin: string | null;
  webhookSigningSecret: string | null;
  proofSecret: string | null;
  badgeRecheckMs: number;
  proofWindowMs: number;
  lateArrivalMs: number;
  service: { serviceDomain: string; abuseContact: string; canaryDomain: string };
  nodeCaps: NodeCaps;
  dnsblZones: string[];
  retention: { transcriptDays: number; outcomeDays: number };
}

/** A variable with a bad value: answered `503 misconfigured` (app.ts) and logged. */
export class ConfigError extends Error {}

/**
 * Parses and checks every variable: the API and page read it once per request, the queue
 * consumers, the cron and the mailbox once per invocation. Throws ConfigError naming each
 * variable at fault and why, never its value.
 */
/**
 * Parsed once per env object: Workers hand every request of an isolate the same env, so the
 * parse (and the DNS zone's validation) is not repeated on each request. A bad value is not
 * cached: it throws each time, as the first time.
 */
const parsedConfigs = new WeakMap<CoordinatorEnv, CoordinatorConfig>();

export function readConfig(env: CoordinatorEnv): CoordinatorConfig {
  const cached = parsedConfigs.get(env);
  if (cached) return cached;
  const config = parseConfig(env);
  parsedConfigs.set(env, config);
  return config;
}

function parseConfig(env: CoordinatorEnv): CoordinatorConfig {
  const parsed = CoordinatorVariables.safeParse(withoutEmptyValues(env));
  if (!parsed.success) throw new ConfigError(describeEnvProblems(parsed.error));
  const vars = parsed.data;
  const problems = problemsBetween(vars);
  if (problems.length > 0) throw new ConfigError(problems.join("; "));
  const { TURNSTILE_SITE_KEY: siteKey, TURNSTILE_SECRET_KEY: secretKey } = vars;
  return {
    bootstrapNodes: vars.PROBE_NODES,
    bootstrapSecrets: vars.NODE_SECRETS,
    nodeSecretKey: vars.NODE_SECRET_KEY,
    allowLoopback: vars.ALLOW_LOOPBACK_TARGETS,
    dns: vars.DNS_ZONE ? { zone: vars.DNS_ZONE } : { dohEndpoint: vars.DOH_ENDPOINT },
    probeTimeBudgetMs: vars.PROBE_TIME_BUDGET_MS,
    targetCooldownSeconds: vars.TARGET_COOLDOWN_SECONDS,
    anonChecksPerMinute: vars.ANON_CHECKS_PER_MINUTE,
    turnstile:
      siteKey && secretKey ? { siteKey, secretKey } : vars.TURNSTILE === "off" ? "off" : "unset",
    publicOrigin: vars.PUBLIC_ORIGIN ?? null,
    webhookSigningSecret: vars.WEBHOOK_SIGNING_SECRET ?? null,
    proofSecret: vars.PROOF_SECRET ?? null,
    badgeRecheckMs: vars.BADGE_RECHECK_HOURS * 60 * 60 * 1000,
    proofWindowMs: vars.PROOF_WINDOW_SECONDS * 1000,
    lateArrivalMs: vars.PROOF_LATE_ARRIVAL_SECONDS * 1000,
    service: {
      serviceDomain: vars.SERVICE_DOMAIN,
      abuseContact: vars.ABUSE_CONTACT ?? `abuse@${vars.SERVICE_DOMAIN}`,
      canaryDomain: vars.CANARY_DOMAIN,
    },
    nodeCaps: {
      checksPerMinute: vars.NODE_CHECKS_PER_MINUTE,
      checksPerPrefixPerHour: vars.NODE_CHECKS_PER_PREFIX_PER_HOUR,
    },
    dnsblZones: vars.DNSBL_ZONES,
    retention: {
      transcriptDays: vars.TRANSCRIPT_RETENTION_DAYS,
      outcomeDays: vars.OUTCOME_RETENTION_DAYS,
    },
  };
}

/**
 * What no single variable can say, once each is valid: the bootstrap nodes against their
 * secrets and channels, the Turnstile keys together. Worded as describeEnvProblems words them.
 */
function problemsBetween(vars: z.output<typeof CoordinatorVariables>): string[] {
  const problems: string[] = [];
  const missing = vars.PROBE_NODES.filter((node) => !vars.NODE_SECRETS[node.id]);
  if (missing.length > 0) {
    problems.push(`NODE_SECRETS: no secret for node(s): ${missing.map((n) => n.id).join(", ")}`);
  }
  const plainText = vars.PROBE_NODES.filter(
    (node) => !isPrivateChannel(node, vars.ALLOW_LOOPBACK_TARGETS),
  );
  if (plainText.length > 0) {
    problems.push(
      `PROBE_NODES: node(s) ${plainText.map((n) => n.id).join(", ")} must be reached over https: jobs carry proof keys`,
    );
  }
  const { TURNSTILE_SITE_KEY: siteKey, TURNSTILE_SECRET_KEY: secretKey } = vars;
  if ((siteKey === undefined) !== (secretKey === undefined)) {
    const unset = siteKey === undefined ? "TURNSTILE_SITE_KEY" : "TURNSTILE_SECRET_KEY";
    problems.push(`${unset}: must be set along with the other Turnstile key, or both left unset`);
  }
  return problems;
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
