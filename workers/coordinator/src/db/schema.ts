import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import type {
  CaseResult,
  ProbeResult,
  TranscriptLine,
  Verdict,
} from "../../../../shared/schemas/probe-result.ts";
import type { NodeRuntime, RunLocation } from "../../../../shared/schemas/protocol.ts";
import type { ProofState } from "../../../../shared/verdict/verdict-label.ts";
import type { MxPlan } from "./mx-plan.ts";

/** What a pending vantage has answered so far, as its node streams it. */
export interface VantageProgress {
  /** When the node's call began. */
  startedAt: number;
  updatedAt: number;
  /** How many cases the suite has; null until the node's first connection learnt it. */
  cases: number | null;
  answered: { id: string; outcome: CaseResult["outcome"] }[];
}

/*
 * D1 schema of the coordinator. Times are integer milliseconds since the epoch. Enumerated
 * columns are typed here but not CHECK-constrained in SQL: SQLite cannot alter a CHECK, so adding
 * a verdict or status later would mean rebuilding tables that other tables reference.
 */

export type CheckKind = "domain" | "host";
/**
 * Stored: `queued` until the finish (`done`, `failed`); readers see `running` once a vantage has
 * answered (db/views.ts), which costs no write of its own. Older rows may hold `running`.
 */
export type CheckStatus = "queued" | "running" | "done" | "failed";
/**
 * `done`: the vantage tested and its verdict is evidence. `failed`: its node could not run the
 * job (unreachable, refused it, silent). `untestable`: it ran, but could not test this server
 * for a reason of its own (TLS it cannot speak); its result is kept but is no evidence.
 */
export type VantageStatus = "pending" | "done" | "failed" | "untestable";

export const domains = sqliteTable("domains", {
  id: text("id").primaryKey(),
  /** Always lower-case, so lookups by name need no collation. */
  name: text("name").notNull().unique(),
  createdAt: integer("created_at").notNull(),
});

export const checks = sqliteTable(
  "checks",
  {
    id: text("id").primaryKey(),
    domainId: text("domain_id").references(() => domains.id),
    kind: text("kind").$type<CheckKind>().notNull(),
    /** The domain name or host as asked for. */
    target: text("target").notNull(),
    port: integer("port"),
    status: text("status").$type<CheckStatus>().notNull(),
    verdict: text("verdict").$type<Verdict>(),
    reason: text("reason"),
    /** Where vantages disagree, in words; null when they agree. */
    summary: text("summary"),
    idempotencyKey: text("idempotency_key").unique(),
    mx: text("mx_json", { mode: "json" }).$type<MxPlan>(),
    /** Who asked: an API key, or null for the public page and anonymous API use. */
    apiKeyId: text("api_key_id"),
    /** The batch this check belongs to, if any. */
    batchId: text("batch_id"),
    /** Called with the report when the check finishes (see webhook_deliveries). */
    webhookUrl: text("webhook_url"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    deadlineAt: integer("deadline_at").notNull(),
    proof: text("proof").$type<ProofState>(),
    /** When a `pending` proof turns `unconfirmed` if no canary message has arrived. */
    proofDeadlineAt: integer("proof_deadline_at"),
  },
  (table) => [
    index("checks_domain_created_idx").on(table.domainId, table.createdAt),
    index("checks_proof_deadline_idx").on(table.proof, table.proofDeadlineAt),
    index("checks_status_deadline_idx").on(table.status, table.deadlineAt),
    index("checks_target_created_idx").on(table.target, table.createdAt),
  ],
);

/**
 * The distinct ordered case lists vantages ran, each `[case id, token suffix]` (JSON), stored
 * once: a vantage row then packs its 29 outcomes into 58 characters instead of repeating ~500
 * bytes of case ids (see db/case-outcomes.ts).
 */
export const caseSets = sqliteTable("case_sets", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  cases: text("cases").notNull().unique(),
});

/** One node's probe of one address of one MX host. */
export const vantageResults = sqliteTable(
  "vantage_results",
  {
    id: text("id").primaryKey(),
    checkId: text("check_id")
      .notNull()
      .references(() => checks.id, { onDelete: "cascade" }),
    mxHost: text("mx_host").notNull(),
    mxPreference: integer("mx_preference"),
    address: text("address").notNull(),
    port: integer("port").notNull(),
    nodeId: text("node_id").notNull(),
    region: text("region").notNull(),
    network: text("network").notNull(),
    status: text("status").$type<VantageStatus>().notNull(),
    verdict: text("verdict").$type<Verdict>(),
    reason: text("reason"),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    durationMs: integer("duration_ms"),
    /** The greeting as one line, "220 mx.example.com ESMTP". */
    banner: text("banner"),
    /** Legacy: now in the evidence object; kept until the backfill has moved every row. */
    tls: text("tls_json", { mode: "json" }).$type<ProbeResult["tls"]>(),
    /** Legacy: now in the evidence object; kept until the backfill has moved every row. */
    extensions: text("extensions_json", { mode: "json" }).$type<ProbeResult["extensions"]>(),
    /** Legacy: now in the evidence object; kept until the backfill has moved every row. */
    names: text("names_json", { mode: "json" }).$type<ProbeResult["names"]>(),
    /** The case list this vantage ran, in run order; null until its answer (or after retention). */
    caseSetId: integer("case_set_id").references(() => caseSets.id),
    /** Two characters per case of `caseSetId`, packed by db/case-outcomes.ts. */
    outcomes: text("outcomes"),
    /**
     * Names this vantage's evidence object in R2 (transcript, case details, TLS, see
     * evidence/store.ts); it stays after the object expires, so readers can say it expired.
     */
    evidenceId: text("evidence_id"),
    /**
     * The coordinator's part of this vantage's case tokens (`rw-<nonce>-<index>`), known before
     * the probe starts, so a canary message that outruns the probe's answer is still recognised.
     */
    tokenNonce: text("token_nonce"),
    /** Where the probe really ran (`RunLocation`): a Cloudflare colo or a configured site. */
    locationKind: text("location_kind").$type<RunLocation["kind"]>(),
    location: text("location"),
    /** The node's AS when planned; null on rows from before the registry. */
    nodeAsn: integer("node_asn"),
    /** The node is in the target address's own AS: kept and shown, never "outside" evidence. */
    inside: integer("inside", { mode: "boolean" }).notNull().default(false),
    /** Live progress while pending (cases answered so far); superseded by the stored answer. */
    progress: text("progress_json", { mode: "json" }).$type<VantageProgress>(),
    /**
     * When the job took one of its node's slots and the node was asked; null while the job
     * still waits in the queue (for delivery or a slot), when its node cannot have been silent.
     */
    askedAt: integer("asked_at"),
  },
  (table) => [
    index("vantage_results_check_idx").on(table.checkId),
    uniqueIndex("vantage_results_token_nonce_idx").on(table.tokenNonce),
  ],
);

/** Legacy: one row per case, moved into vantage_results.outcomes and R2 by evidence/backfill.ts. */
export const caseResults = sqliteTable(
  "case_results",
  {
    /** Autoincrement, so ordering by id is the order the probe ran the cases in. */
    id: integer("id").primaryKey({ autoIncrement: true }),
    vantageResultId: text("vantage_result_id")
      .notNull()
      .references(() => vantageResults.id, { onDelete: "cascade" }),
    caseId: text("case_id").notNull(),
    mailFrom: text("mail_from").notNull(),
    rcptTo: text("rcpt_to").notNull(),
    recipientKind: text("recipient_kind").$type<CaseResult["recipientKind"]>().notNull(),
    token: text("token").notNull(),
    outcome: text("outcome").$type<CaseResult["outcome"]>().notNull(),
    step: text("step").$type<CaseResult["step"]>().notNull(),
    replyCode: integer("reply_code"),
    replyEnhanced: text("reply_enhanced"),
    replyText: text("reply_text"),
    /** The reply to the end of DATA when the probe sent the canary message for this case. */
    dataReplyCode: integer("data_reply_code"),
    dataReplyEnhanced: text("data_reply_enhanced"),
    dataReplyText: text("data_reply_text"),
    note: text("note"),
    conn: integer("conn"),
    attempts: integer("attempts").notNull(),
  },
  (table) => [
    index("case_results_vantage_idx").on(table.vantageResultId),
    index("case_results_token_idx").on(table.token),
  ],
);

/**
 * Canary messages that arrived through Email Routing: one row per case token however often the
 * message is delivered, so a relay that delivers twice counts once.
 */
export const canaryDeliveries = sqliteTable(
  "canary_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    token: text("token").notNull().unique(),
    /**
     * The case's position in its vantage's outcomes. Null while the message has outrun its
     * vantage's answer: storing the answer links it, or drops it when its case was not accepted.
     */
    caseIndex: integer("case_index"),
    vantageResultId: text("vantage_result_id")
      .notNull()
      .references(() => vantageResults.id, { onDelete: "cascade" }),
    checkId: text("check_id")
      .notNull()
      .references(() => checks.id, { onDelete: "cascade" }),
    receivedAt: integer("received_at").notNull(),
    /** The envelope sender the relay used. */
    mailFrom: text("mail_from").notNull(),
    /** The `Received:` header values, newest (top) first, as the message carried them. */
    receivedChain: text("received_chain_json", { mode: "json" }).$type<string[]>().notNull(),
    /** Who handed the message to the canary domain's server: its newest Received `from` part. */
    handedOverBy: text("handed_over_by"),
    messageId: text("message_id"),
    size: integer("size").notNull(),
  },
  (table) => [
    index("canary_deliveries_check_idx").on(table.checkId),
    // Linking early arrivals, and every insert into vantage_results (its foreign key check).
    index("canary_deliveries_vantage_idx").on(table.vantageResultId),
  ],
);

/**
 * What a check really contacts: one row per distinct (address, port) it probes, whatever names
 * led there. The per-target cool-down is keyed on these, not on how the target was spelled.
 */
export const targetContacts = sqliteTable(
  "target_contacts",
  {
    checkId: text("check_id")
      .notNull()
      .references(() => checks.id, { onDelete: "cascade" }),
    address: text("address").notNull(),
    port: integer("port").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.checkId, table.address, table.port] }),
    index("target_contacts_address_port_created_idx").on(
      table.address,
      table.port,
      table.createdAt,
    ),
  ],
);

/** Legacy: transcripts now live in R2 (evidence/store.ts); evidence/backfill.ts moves these. */
export const transcripts = sqliteTable("transcripts", {
  vantageResultId: text("vantage_result_id")
    .primaryKey()
    .references(() => vantageResults.id, { onDelete: "cascade" }),
  lines: text("lines_json", { mode: "json" }).$type<TranscriptLine[]>().notNull(),
});

/** API keys for hosting providers: only a SHA-256 hash of the key is stored. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  keyHash: text("key_hash").notNull().unique(),
  /** The first characters of the key, so a person can tell keys apart in a list. */
  keyPrefix: text("key_prefix").notNull(),
  /** Checks per UTC day. */
  dailyQuota: integer("daily_quota").notNull(),
  /** Requests per minute. */
  ratePerMinute: integer("rate_per_minute").notNull(),
  createdAt: integer("created_at").notNull(),
  revokedAt: integer("revoked_at"),
});

/** Checks started per key per UTC day, for the daily quota. */
export const apiKeyUsage = sqliteTable(
  "api_key_usage",
  {
    apiKeyId: text("api_key_id")
      .notNull()
      .references(() => apiKeys.id),
    /** YYYY-MM-DD in UTC. */
    day: text("day").notNull(),
    checks: integer("checks").notNull(),
    /** Requests in the current minute window, for the per-key rate limit. */
    windowStart: integer("window_start").notNull(),
    windowRequests: integer("window_requests").notNull(),
  },
  (table) => [primaryKey({ columns: [table.apiKeyId, table.day] })],
);

export type BatchStatus = "queued" | "running" | "done";
export type BatchItemStatus = "queued" | "started" | "done" | "refused";

export const batches = sqliteTable(
  "batches",
  {
    id: text("id").primaryKey(),
    apiKeyId: text("api_key_id").references(() => apiKeys.id),
    status: text("status").$type<BatchStatus>().notNull(),
    total: integer("total").notNull(),
    port: integer("port"),
    webhookUrl: text("webhook_url"),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (table) => [index("batches_status_created_idx").on(table.status, table.createdAt)],
);

export const batchItems = sqliteTable(
  "batch_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    batchId: text("batch_id")
      .notNull()
      .references(() => batches.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    domain: text("domain").notNull(),
    /** The port the request named for this item; null means the batch's port (older rows too). */
    port: integer("port"),
    status: text("status").$type<BatchItemStatus>().notNull(),
    checkId: text("check_id").references(() => checks.id),
    /** Why the item was refused (guard, DNS), as `code: message`. */
    error: text("error"),
  },
  (table) => [
    index("batch_items_batch_position_idx").on(table.batchId, table.position),
    index("batch_items_check_idx").on(table.checkId),
  ],
);

export type WebhookStatus = "pending" | "delivered" | "failed";

/** Every webhook call, retried with back-off until delivered or given up. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    subjectKind: text("subject_kind").$type<"check" | "batch">().notNull(),
    subjectId: text("subject_id").notNull(),
    url: text("url").notNull(),
    apiKeyId: text("api_key_id"),
    status: text("status").$type<WebhookStatus>().notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (table) => [index("webhook_deliveries_due_idx").on(table.status, table.nextAttemptAt)],
);

/** Domains whose badge has been fetched: re-checked on a schedule while the badge is in use. */
export const badgeDomains = sqliteTable(
  "badge_domains",
  {
    domain: text("domain").primaryKey(),
    firstServedAt: integer("first_served_at").notNull(),
    lastServedAt: integer("last_served_at").notNull(),
    lastRecheckAt: integer("last_recheck_at"),
  },
  (table) => [index("badge_domains_served_idx").on(table.lastServedAt)],
);

/** Owners who opted in to the public list of passing domains, proven by a DNS TXT record. */
export const publicListings = sqliteTable("public_listings", {
  domain: text("domain").primaryKey(),
  /** The value the owner must publish in `_relaywatch.<domain>` TXT. */
  token: text("token").notNull(),
  /** The port the badge and its re-checks are about; null means 25. */
  port: integer("port"),
  requestedAt: integer("requested_at").notNull(),
  verifiedAt: integer("verified_at"),
});

export type OptOutKind = "domain" | "network";

/**
 * Opt-outs an operator added with the admin CLI, at an owner's request: a domain (and its
 * subdomains) or a network (an address is a /32 or /128). Owners opt out by DNS themselves too
 * (see optout/), which needs no row here.
 */
export const optOuts = sqliteTable(
  "opt_outs",
  {
    id: text("id").primaryKey(),
    kind: text("kind").$type<OptOutKind>().notNull(),
    /** A lower-case domain without the final dot, or a CIDR block in canonical form. */
    value: text("value").notNull(),
    /** Who asked and why, for the operator; never shown to the public. */
    note: text("note"),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [uniqueIndex("opt_outs_kind_value_idx").on(table.kind, table.value)],
);

/**
 * Anonymous checks per client network (an IPv4 address or an IPv6 /64, stored as a SHA-256
 * hash) in a fixed one-minute window: the count behind the anonymous RateLimit headers.
 */
export const anonymousUsage = sqliteTable("anonymous_usage", {
  clientHash: text("client_hash").primaryKey(),
  windowStart: integer("window_start").notNull(),
  checks: integer("checks").notNull(),
});

/**
 * Target lookups of GET /api/v1/limits per caller (`key:<id>`, or the hashed client network as in
 * anonymous_usage) in a fixed one-minute window: an allowance of its own, apart from check quota.
 */
export const lookupUsage = sqliteTable("lookup_usage", {
  caller: text("caller").primaryKey(),
  windowStart: integer("window_start").notNull(),
  lookups: integer("lookups").notNull(),
});

/**
 * Probe runs given to one node, per fixed window: bucket `minute` counts all of the node's runs
 * in the minute, bucket `<prefix>` (a /24 or /48) its runs to that network in the hour.
 */
export const nodeUsage = sqliteTable(
  "node_usage",
  {
    nodeId: text("node_id").notNull(),
    bucket: text("bucket").notNull(),
    windowStart: integer("window_start").notNull(),
    runs: integer("runs").notNull(),
  },
  (table) => [primaryKey({ columns: [table.nodeId, table.bucket] })],
);

/** A node's egress address as last looked up: its reverse DNS name. */
export const nodeEgress = sqliteTable(
  "node_egress",
  {
    nodeId: text("node_id").notNull(),
    address: text("address").notNull(),
    reverseName: text("reverse_name"),
    checkedAt: integer("checked_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.nodeId, table.address] })],
);

/**
 * A node's egress address listed on a DNS blocklist, from `listedAt` (first seen) until
 * `delistedAt` (first seen gone; null while listed). A vantage whose node was listed when its
 * check ran is marked in the report and gives no evidence for a green badge.
 */
export const nodeListings = sqliteTable(
  "node_listings",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    nodeId: text("node_id").notNull(),
    address: text("address").notNull(),
    zone: text("zone").notNull(),
    /** The blocklist's answer (127.0.0.x), which says why on most lists. */
    answer: text("answer").notNull(),
    listedAt: integer("listed_at").notNull(),
    delistedAt: integer("delisted_at"),
  },
  (table) => [index("node_listings_node_idx").on(table.nodeId, table.listedAt)],
);

/** `disabled` by an operator (admin CLI); only `active` nodes are planned. */
export type NodeState = "active" | "disabled";
/** From the cron's signed health check: `down` nodes are left out of planning until `up`. */
export type NodeHealthState = "unknown" | "up" | "down";

/**
 * The probe node registry, managed with the admin CLI (add-node, list-nodes, disable-node,
 * rotate-node-secret) without a redeploy. A node's HMAC secret is stored wrapped (AES-GCM under
 * NODE_SECRET_KEY, a Worker secret), so a copy of the database alone cannot sign jobs.
 */
export const probeNodes = sqliteTable("probe_nodes", {
  id: text("id").primaryKey(),
  /** A label such as eu-west; its HELO name is probe-<region>.<canary domain>. */
  region: text("region").notNull(),
  /** The configured site (self-hosted data centre, or the Cloudflare placement region). */
  site: text("site").notNull(),
  asn: integer("asn").notNull(),
  /** The provider or AS name, for people. */
  network: text("network").notNull(),
  /** Reached by signed fetch at `url`, or through the service binding named `binding`. */
  url: text("url"),
  binding: text("binding"),
  ports: text("ports_json", { mode: "json" }).$type<number[]>().notNull(),
  /**
   * The addresses its connections leave from (IPv4 and IPv6): published on /about/probes and
   * looked up daily in the DNS blocklists (probes/blocklists.ts).
   */
  egress: text("egress_json", { mode: "json" }).$type<string[]>().notNull().default([]),
  runtime: text("runtime").$type<NodeRuntime>().notNull(),
  state: text("state").$type<NodeState>().notNull(),
  /** Jobs the node runs at once, as it declares at /v1/health; never more are in flight. */
  maxConcurrentJobs: integer("max_concurrent_jobs").notNull(),
  /** `v1.<iv>.<ciphertext>` in base64url (see shared/auth/secret-wrap.ts). */
  secretWrapped: text("secret_wrapped").notNull(),
  health: text("health").$type<NodeHealthState>().notNull().default("unknown"),
  healthCheckedAt: integer("health_checked_at"),
  /** Why the last health check failed, for list-nodes and the reports of checks it missed. */
  healthError: text("health_error"),
  /**
   * Where the node last said it runs (`/v1/health`; Cloudflare's placement header preferred):
   * shown on /about/probes beside the configured site. Null until it first answers.
   */
  location: text("location_json", { mode: "json" }).$type<RunLocation>(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * One row per job in flight on a node: a job starts only when it can insert its lease while
 * fewer than the node's limit are live. Leases expire, so a crashed consumer frees its slot.
 */
export const nodeLeases = sqliteTable(
  "node_leases",
  {
    vantageResultId: text("vantage_result_id")
      .primaryKey()
      .references(() => vantageResults.id, { onDelete: "cascade" }),
    nodeId: text("node_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (table) => [index("node_leases_node_idx").on(table.nodeId, table.expiresAt)],
);

export type ProbeNodeRow = typeof probeNodes.$inferSelect;
export type NewProbeNodeRow = typeof probeNodes.$inferInsert;

/**
 * How far each retention sweep has walked the checks table, by rowid (checks are never
 * deleted, and rowids grow with creation): a sweep resumes where the last one stopped.
 */
export const retentionMarks = sqliteTable("retention_marks", {
  name: text("name").primaryKey(),
  lastRowid: integer("last_rowid").notNull(),
});

export type DomainRow = typeof domains.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type BatchRow = typeof batches.$inferSelect;
export type BatchItemRow = typeof batchItems.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type CheckRow = typeof checks.$inferSelect;
export type NewCheckRow = typeof checks.$inferInsert;
export type VantageRow = typeof vantageResults.$inferSelect;
export type NewVantageRow = typeof vantageResults.$inferInsert;
export type CaseRow = typeof caseResults.$inferSelect;
export type CaseSetRow = typeof caseSets.$inferSelect;
export type NewCaseRow = typeof caseResults.$inferInsert;
export type TranscriptRow = typeof transcripts.$inferSelect;
export type CanaryDeliveryRow = typeof canaryDeliveries.$inferSelect;
export type OptOutRow = typeof optOuts.$inferSelect;
export type NodeListingRow = typeof nodeListings.$inferSelect;
