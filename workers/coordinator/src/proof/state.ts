import { type AnyColumn, and, eq, inArray, lt, not, type SQL, sql } from "drizzle-orm";
import { ACCEPTED_OUTCOME_PATTERN } from "../db/case-outcomes.ts";
import type { Database } from "../db/client.ts";
import { canaryDeliveries, checks, vantageResults } from "../db/schema.ts";

/**
 * The proof state of a check, moved forward by guarded UPDATEs only, so a delivery, the finish,
 * the sweeper and a reader can race without losing an arrival: `confirmed` is set from any state
 * but null and is never left.
 */

const FINISHED = ["done", "failed"] as const;

/** An arrival linked to an accepted case; one still awaiting its vantage's answer proves nothing yet. */
function deliveryExists(checkId: string | SQL | AnyColumn) {
  return sql`exists (select 1 from ${canaryDeliveries} where ${canaryDeliveries.checkId} = ${checkId} and ${canaryDeliveries.caseIndex} is not null)`;
}

function acceptedCaseExists(checkId: string) {
  return sql`exists (select 1 from ${vantageResults} where ${vantageResults.checkId} = ${checkId} and ${vantageResults.outcomes} like ${ACCEPTED_OUTCOME_PATTERN})`;
}

/** The proof state a check's window opens with: see openProofWindow. */
function openedProof(checkId: string) {
  return sql`case when ${deliveryExists(checkId)} then 'confirmed' when ${acceptedCaseExists(checkId)} then 'pending' else 'none' end`;
}

/**
 * For the UPDATE that finishes a check: opens its proof window in the same row write when the
 * check asked for proof (`requested`), and leaves every other proof state as it is.
 */
export function proofWindowOnFinish(checkId: string, deadlineAt: number) {
  const requested = sql`${checks.proof} = 'requested'`;
  return {
    proof: sql`case when ${requested} then ${openedProof(checkId)} else ${checks.proof} end`,
    proofDeadlineAt: sql`case when ${requested} then ${deadlineAt} else ${checks.proofDeadlineAt} end`,
  };
}

/**
 * Opens the waiting window of a finished check that asked for proof: `pending` until
 * `now + windowMs` when a case was accepted, `none` when nothing could have been delivered, or
 * `confirmed` at once when a message already arrived while other vantages were still running.
 * The finish does this itself (proofWindowOnFinish); the sweeper catches checks finished without.
 */
export async function openProofWindow(
  db: Database,
  checkId: string,
  now: number,
  windowMs: number,
): Promise<void> {
  await db
    .update(checks)
    .set({ proof: openedProof(checkId), proofDeadlineAt: now + windowMs })
    .where(
      and(
        eq(checks.id, checkId),
        eq(checks.proof, "requested"),
        inArray(checks.status, [...FINISHED]),
      ),
    );
}

/**
 * Marks a check's delivery proven once an arrival is linked to an accepted case; a check that
 * did not ask for proof stays without.
 */
export function confirmProofIfDelivered(db: Database, checkId: string) {
  return db
    .update(checks)
    .set({ proof: "confirmed" })
    .where(and(eq(checks.id, checkId), sql`${checks.proof} is not null`, deliveryExists(checkId)));
}

/** `pending` past its deadline with nothing arrived becomes `unconfirmed`; for one check or all. */
export async function expireProofs(db: Database, now: number, checkId?: string): Promise<number> {
  const expired = await db
    .update(checks)
    .set({ proof: "unconfirmed" })
    .where(
      and(
        checkId === undefined ? undefined : eq(checks.id, checkId),
        eq(checks.proof, "pending"),
        lt(checks.proofDeadlineAt, now),
        not(deliveryExists(checks.id)),
      ),
    )
    .returning({ id: checks.id });
  return expired.length;
}

/**
 * Finished checks still `requested`: finished before the finish opened the window itself (rows
 * of an older coordinator), so the sweeper opens it.
 */
export async function checksAwaitingProofWindow(db: Database, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: checks.id })
    .from(checks)
    .where(and(eq(checks.proof, "requested"), inArray(checks.status, [...FINISHED])))
    .limit(limit);
  return rows.map((row) => row.id);
}
