import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { replyLine } from "../../../../shared/probe/summaries.ts";
import type { ProbeResult } from "../../../../shared/schemas/probe-result.ts";
import type { ProbeResponse, RunLocation } from "../../../../shared/schemas/protocol.ts";
import {
  deleteEvidence,
  type EvidenceRef,
  evidenceOf,
  newEvidenceId,
  putEvidence,
} from "../evidence/store.ts";
import { acceptedTokens, linkEarlyArrivals, logDroppedEarlyArrivals } from "../proof/deliveries.ts";
import { packCases, unpackCases } from "./case-outcomes.ts";
import {
  extendDeadlineStatement,
  OPEN_CHECK_STATUSES,
  type PlannedVantage,
  pendingVantageRow,
} from "./checks.ts";
import type { Database } from "./client.ts";
import {
  caseSets,
  checks,
  type VantageProgress,
  type VantageRow,
  type VantageStatus,
  vantageResults,
} from "./schema.ts";

const PENDING: VantageStatus = "pending";

export async function findVantage(db: Database, vantageId: string): Promise<VantageRow | null> {
  return (
    (await db.select().from(vantageResults).where(eq(vantageResults.id, vantageId)).get()) ?? null
  );
}

/** A check's vantages in the order the check planned them. */
export async function listVantages(db: Database, checkId: string): Promise<VantageRow[]> {
  return db
    .select()
    .from(vantageResults)
    .where(eq(vantageResults.checkId, checkId))
    .orderBy(asc(sql`${vantageResults}.rowid`));
}

/** Live progress of a vantage still pending; a finished one keeps its answer untouched. */
export async function recordVantageProgress(
  db: Database,
  vantageId: string,
  progress: VantageProgress,
): Promise<void> {
  await db
    .update(vantageResults)
    .set({ progress })
    .where(and(eq(vantageResults.id, vantageId), eq(vantageResults.status, PENDING)));
}

/**
 * Stores a node's answer for a pending vantage: its evidence (transcript, case details) as an R2
 * object, then its verdict and packed case outcomes in one D1 batch. Returns false, keeping
 * nothing, when the vantage already has its outcome: a queue message delivered twice, or an
 * answer that arrived after the deadline failed the vantage (the check's verdict was computed
 * without it, so it must not change underneath that verdict).
 */
export async function saveVantageResult(
  db: Database,
  vantageId: string,
  response: ProbeResponse,
  now: number,
  bucket: R2Bucket,
  /** Where the probe ran: the node's word, unless Cloudflare's placement header said better. */
  location: RunLocation = response.location,
): Promise<boolean> {
  const vantage = await findVantage(db, vantageId);
  if (!vantage) throw new Error(`no vantage ${vantageId}`);
  if (vantage.status !== PENDING) return false;
  if (response.node.nodeId !== vantage.nodeId) {
    throw new Error(
      `vantage ${vantageId} belongs to node ${vantage.nodeId}, but node ${response.node.nodeId} answered for it`,
    );
  }
  const { result } = response;
  const ref = { checkId: vantage.checkId, vantageId, evidenceId: newEvidenceId() };
  await putEvidence(bucket, ref, evidenceOf(result));
  const packed = packCases(result.cases, vantage.tokenNonce);
  const accepted = acceptedTokens(unpackCases(packed.caseSet, packed.outcomes), vantage.tokenNonce);
  // Only the answer whose evidence id the update stored links canary mail: a racing duplicate's
  // statements match nothing.
  const kept = sql`exists (select 1 from ${vantageResults} where ${vantageResults.id} = ${vantageId} and ${vantageResults.evidenceId} = ${ref.evidenceId})`;
  const { link, drop, confirm } = linkEarlyArrivals(db, vantageId, vantage.checkId, accepted, kept);
  let stored: { id: string }[];
  let dropped: { token: string }[];
  try {
    [, stored, , dropped] = await db.batch([
      db.insert(caseSets).values({ cases: packed.caseSet }).onConflictDoNothing(),
      db
        .update(vantageResults)
        .set({
          status: result.notTestableHere ? "untestable" : "done",
          verdict: result.verdict,
          reason: result.reason,
          ...probeTimes(result, now),
          banner: result.banner ? replyLine(result.banner) : null,
          caseSetId: sql`(select ${caseSets.id} from ${caseSets} where ${caseSets.cases} = ${packed.caseSet})`,
          outcomes: packed.outcomes,
          evidenceId: ref.evidenceId,
          locationKind: location.kind,
          location: location.name,
          progress: null,
        })
        .where(and(eq(vantageResults.id, vantageId), eq(vantageResults.status, PENDING)))
        .returning({ id: vantageResults.id }),
      link,
      drop,
      confirm,
    ]);
  } catch (error) {
    await discardEvidence(bucket, ref);
    throw error;
  }
  if (stored.length === 0) {
    await discardEvidence(bucket, ref);
    return false;
  }
  logDroppedEarlyArrivals(vantageId, dropped);
  return true;
}

/** The object of an answer D1 did not keep; a failure here leaves an orphan, never a loss. */
async function discardEvidence(bucket: R2Bucket, ref: EvidenceRef): Promise<void> {
  try {
    await deleteEvidence(bucket, [ref]);
  } catch (error) {
    console.warn(`could not delete the unused evidence object of vantage ${ref.vantageId}`, error);
  }
}

function probeTimes(result: ProbeResult, now: number) {
  const durationMs = Math.round(result.durationMs);
  const finishedAt = parseTime(result.finishedAt) ?? now;
  const startedAt = parseTime(result.startedAt) ?? finishedAt - durationMs;
  return { startedAt, finishedAt, durationMs };
}

function parseTime(iso: string): number | null {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** A reply as it reads on the wire, minus the continuation dashes: "220 mx.example.com ESMTP". */
/** The UPDATE that fails a still-pending vantage, for use alone or inside a batch. */
export function failPendingVantage(db: Database, vantageId: string, reason: string, now: number) {
  return db
    .update(vantageResults)
    .set({ status: "failed", verdict: "inconclusive", reason, finishedAt: now })
    .where(and(eq(vantageResults.id, vantageId), eq(vantageResults.status, PENDING)));
}

/**
 * Gives up on a vantage (node unreachable, retries exhausted): failed and inconclusive, with the
 * reason. False, changing nothing, when the vantage already has its outcome.
 */
export async function failVantage(
  db: Database,
  vantageId: string,
  reason: string,
  now: number,
): Promise<boolean> {
  const failed = await failPendingVantage(db, vantageId, reason, now).returning({
    id: vantageResults.id,
  });
  return failed.length > 0;
}

/**
 * A pending vantage's job took its node's slot, and the node is about to be asked: recorded, and
 * its check's deadline moved to `deadlineAt` if that is later (a job that waited for its slot
 * still gets its whole time budget), in one batch.
 */
export async function markVantageAsked(
  db: Database,
  vantage: Pick<VantageRow, "id" | "checkId">,
  now: number,
  deadlineAt: number,
): Promise<void> {
  await db.batch([
    db
      .update(vantageResults)
      .set({ askedAt: now })
      .where(and(eq(vantageResults.id, vantage.id), eq(vantageResults.status, PENDING))),
    extendDeadlineStatement(db, vantage.checkId, deadlineAt),
  ]);
}

/**
 * Adds a pending vantage to a check still running, unless its node already has one for the
 * same address (a concurrent or repeated request planned it first). Returns whether it did.
 */
export async function addPendingVantage(
  db: Database,
  checkId: string,
  vantage: PlannedVantage,
): Promise<boolean> {
  const row = pendingVantageRow(checkId, vantage);
  const columns = Object.keys(row) as (keyof typeof row)[];
  const names = sql.join(
    columns.map((column) => sql.identifier(vantageResults[column].name)),
    sql`, `,
  );
  const values = sql.join(
    columns.map((column) => sql`${row[column]}`),
    sql`, `,
  );
  const open = db
    .select({ id: checks.id })
    .from(checks)
    .where(and(eq(checks.id, checkId), inArray(checks.status, OPEN_CHECK_STATUSES)));
  const taken = db
    .select({ id: vantageResults.id })
    .from(vantageResults)
    .where(
      and(
        eq(vantageResults.checkId, checkId),
        eq(vantageResults.mxHost, vantage.mxHost),
        eq(vantageResults.address, vantage.address),
        eq(vantageResults.nodeId, vantage.nodeId),
      ),
    );
  const inserted = await db.run(
    sql`insert into ${vantageResults} (${names}) select ${values} where exists ${open} and not exists ${taken}`,
  );
  return (inserted.meta.changes ?? 0) > 0;
}
