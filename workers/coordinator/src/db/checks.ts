import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { randomLabel } from "../../../../shared/probe/expand.ts";
import { chunk, rowsPerInsert, runBatch, type Statement } from "./batch.ts";
import type { Database } from "./client.ts";
import { isNotNullViolation, isUniqueViolation } from "./errors.ts";
import type { MxPlan } from "./mx-plan.ts";
import {
  type CheckKind,
  type CheckRow,
  type CheckStatus,
  checks,
  domains,
  type NewVantageRow,
  targetContacts,
  vantageResults,
} from "./schema.ts";

/** Statuses of a check that has not reached its verdict yet. */
export const OPEN_CHECK_STATUSES: CheckStatus[] = ["queued", "running"];

/** One node set to probe one address of one MX host. */
export interface PlannedVantage {
  id: string;
  mxHost: string;
  mxPreference: number | null;
  address: string;
  port: number;
  nodeId: string;
  region: string;
  network: string;
  /** The node's AS (absent in fixtures that do not care). */
  nodeAsn?: number | null;
  /** The node is in the address's origin AS; absent means not. */
  inside?: boolean;
}

export interface NewCheck {
  id: string;
  kind: CheckKind;
  /** The domain name or host as asked for. */
  target: string;
  port: number | null;
  /** The domain the check belongs to, for "latest check of a domain"; null for a bare host. */
  domainName: string | null;
  idempotencyKey: string | null;
  deadlineAt: number;
  now: number;
  mx: MxPlan;
  vantages: PlannedVantage[];
  apiKeyId?: string | null;
  batchId?: string | null;
  webhookUrl?: string | null;
  /** Whether the check asked for delivery proof (a canary message through accepted cases). */
  proofRequested?: boolean;
  /**
   * The cool-down: when set, the check is only recorded if no check contacted any of its
   * addresses on its port after this time, judged inside the insert (see TargetBusy).
   */
  quietSince?: number | null;
}

/** Another check contacted the same (address, port) within the cool-down, just before this one. */
export class TargetBusy extends Error {
  constructor() {
    super("a recent check contacted the same address and port");
  }
}

export interface CreatedCheck {
  check: CheckRow;
  /** False when the idempotency key named an existing check, which is returned instead. */
  created: boolean;
}

export async function findCheck(db: Database, checkId: string): Promise<CheckRow | null> {
  return (await db.select().from(checks).where(eq(checks.id, checkId)).get()) ?? null;
}

export async function findCheckByIdempotencyKey(
  db: Database,
  idempotencyKey: string,
): Promise<CheckRow | null> {
  const found = await db
    .select()
    .from(checks)
    .where(eq(checks.idempotencyKey, idempotencyKey))
    .get();
  return found ?? null;
}

/**
 * Records a new check with its domain and pending vantages, or returns the check an earlier
 * request with the same idempotency key created.
 */
export async function createCheck(db: Database, input: NewCheck): Promise<CreatedCheck> {
  const { idempotencyKey } = input;
  if (idempotencyKey !== null) {
    const existing = await findCheckByIdempotencyKey(db, idempotencyKey);
    if (existing) return { check: existing, created: false };
  }
  try {
    await runBatch(db, insertCheckStatements(db, input));
  } catch (error) {
    if (isNotNullViolation(error, "checks.status")) throw new TargetBusy();
    // Two requests with one key can both miss the read above; the later batch then fails on the
    // unique key and rolls back whole, and the earlier one's check is the answer.
    if (idempotencyKey === null || !isUniqueViolation(error, "checks.idempotency_key")) {
      throw error;
    }
    const winner = await findCheckByIdempotencyKey(db, idempotencyKey);
    if (!winner) throw error;
    return { check: winner, created: false };
  }
  const check = await findCheck(db, input.id);
  if (!check) throw new Error(`check ${input.id} is missing right after its insert`);
  return { check, created: true };
}

/** 60 random bits: a forged token cannot guess a running vantage's nonce. */
const TOKEN_NONCE_LENGTH = 12;

/** A planned vantage as its row, pending, with its own token nonce. */
export function pendingVantageRow(checkId: string, vantage: PlannedVantage): NewVantageRow {
  return { ...vantage, checkId, status: "pending", tokenNonce: randomLabel(TOKEN_NONCE_LENGTH) };
}

function insertCheckStatements(db: Database, input: NewCheck): Statement[] {
  const domainName = input.domainName?.toLowerCase() ?? null;
  const statements: Statement[] = [];
  if (domainName !== null) {
    statements.push(
      db
        .insert(domains)
        .values({ id: crypto.randomUUID(), name: domainName, createdAt: input.now })
        .onConflictDoNothing({ target: domains.name }),
    );
  }
  statements.push(
    db.insert(checks).values({
      id: input.id,
      // Looked up inside the batch: the domain row may have been created by an earlier check,
      // or by a concurrent one whose id this request cannot know.
      domainId:
        domainName === null
          ? null
          : sql`(select ${domains.id} from ${domains} where ${domains.name} = ${domainName})`,
      kind: input.kind,
      target: input.target,
      port: input.port,
      status: queuedUnlessBusy(input),
      idempotencyKey: input.idempotencyKey,
      mx: input.mx,
      apiKeyId: input.apiKeyId ?? null,
      batchId: input.batchId ?? null,
      webhookUrl: input.webhookUrl ?? null,
      proof: input.proofRequested ? "requested" : null,
      createdAt: input.now,
      deadlineAt: input.deadlineAt,
    }),
  );
  const vantageRows = input.vantages.map((vantage) => pendingVantageRow(input.id, vantage));
  for (const rows of chunk(vantageRows, rowsPerInsert(vantageResults))) {
    statements.push(db.insert(vantageResults).values(rows));
  }
  const contactRows = contactsOf(input.vantages).map((contact) => ({
    checkId: input.id,
    ...contact,
    createdAt: input.now,
  }));
  for (const rows of chunk(contactRows, rowsPerInsert(targetContacts))) {
    statements.push(db.insert(targetContacts).values(rows));
  }
  return statements;
}

/** The distinct (address, port) pairs a check's vantages contact. */
export function contactsOf(vantages: readonly Pick<PlannedVantage, "address" | "port">[]) {
  const seen = new Map<string, { address: string; port: number }>();
  for (const { address, port } of vantages) seen.set(`${address} ${port}`, { address, port });
  return [...seen.values()];
}

/**
 * `queued`, or NULL (which the NOT NULL column refuses, rolling the whole batch back) when a
 * check contacted one of the same addresses on the same port since `quietSince`: two requests
 * racing past the cool-down read cannot both start a check.
 */
function queuedUnlessBusy(input: NewCheck) {
  if (input.quietSince === null || input.quietSince === undefined) return "queued" as const;
  const contacts = contactsOf(input.vantages);
  const addresses = sql.join(
    contacts.map((contact) => sql`${contact.address}`),
    sql`, `,
  );
  const ports = [...new Set(contacts.map((contact) => contact.port))];
  return sql<"queued">`(case when not exists (select 1 from ${targetContacts} where ${targetContacts.address} in (${addresses}) and ${targetContacts.port} in (${sql.join(
    ports.map((port) => sql`${port}`),
    sql`, `,
  )}) and ${targetContacts.createdAt} > ${input.quietSince}) then 'queued' end)`;
}

/** Moves an open check's deadline to `at` if that is later: a job that waited keeps its budget. */
export async function extendCheckDeadline(db: Database, checkId: string, at: number) {
  await extendDeadlineStatement(db, checkId, at);
}

export function extendDeadlineStatement(db: Database, checkId: string, at: number) {
  return db
    .update(checks)
    .set({ deadlineAt: sql`max(${checks.deadlineAt}, ${at})` })
    .where(and(eq(checks.id, checkId), inArray(checks.status, OPEN_CHECK_STATUSES)));
}

/**
 * The query behind `latestCheckForDomain`, exposed so a test can EXPLAIN it: a scalar subquery
 * for the domain keeps the plan a single descending walk of `checks_domain_created_idx`.
 */
export function latestCheckForDomainQuery(db: Database, domainName: string) {
  const domainId = sql`(select ${domains.id} from ${domains} where ${domains.name} = ${domainName.toLowerCase()})`;
  return db
    .select()
    .from(checks)
    .where(eq(checks.domainId, domainId))
    .orderBy(desc(checks.createdAt))
    .limit(1);
}

export async function latestCheckForDomain(
  db: Database,
  domainName: string,
): Promise<CheckRow | null> {
  return (await latestCheckForDomainQuery(db, domainName).get()) ?? null;
}
