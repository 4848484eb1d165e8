import { and, asc, eq, inArray, lt } from "drizzle-orm";
import type { Verdict } from "../../../../shared/schemas/probe-result.ts";
import { MAX_SLOT_WAIT_MS, noSlotReason } from "../nodes/leases.ts";
import { nodesListedAt } from "../probes/listings.ts";
import { proofWindowOnFinish } from "../proof/state.ts";
import { runBatch } from "./batch.ts";
import { extendCheckDeadline, findCheck, OPEN_CHECK_STATUSES } from "./checks.ts";
import type { Database } from "./client.ts";
import { type CheckRow, checks, type VantageRow } from "./schema.ts";
import { failPendingVantage, listVantages } from "./vantages.ts";

/** The overall result of a check, from the outcomes of all its vantages. */
export interface CheckDecision {
  verdict: Verdict;
  reason: string;
  /** Where vantages disagree, in words; null when they agree. */
  summary: string | null;
}

/** `listedNodes`: node id -> the DNS blocklists it was on when the check was created. */
export type DecideCheck = (
  vantages: VantageRow[],
  listedNodes: ReadonlyMap<string, string[]>,
) => CheckDecision;

/**
 * Finishes a check once every vantage has its outcome, or once its deadline has come, failing
 * the vantages still pending then (those whose node was never asked only once their jobs would
 * have given up waiting for a slot). Returns the finished check only to the call that finished it
 * (null otherwise: not complete yet, or finished by someone else), so whatever follows a finish
 * happens once however many queue consumers and sweepers race here. A check that asked for proof
 * opens its waiting window (`proofWindowMs`) in the same write.
 */
export async function finishCheckIfComplete(
  db: Database,
  checkId: string,
  now: number,
  decide: DecideCheck,
  proofWindowMs: number,
): Promise<CheckRow | null> {
  const check = await findCheck(db, checkId);
  if (!check || !OPEN_CHECK_STATUSES.includes(check.status)) return null;
  let vantages = await listVantages(db, checkId);
  const pending = vantages.filter((vantage) => vantage.status === "pending");
  if (pending.length > 0) {
    if (now < check.deadlineAt) return null;
    // A job still waiting in the queue (not delivered yet, or no free slot) is work in
    // progress, not a silent node: the check waits for it as long as the job itself would.
    const giveUpAt = check.createdAt + MAX_SLOT_WAIT_MS;
    if (now < giveUpAt && pending.some((vantage) => vantage.askedAt === null)) {
      await extendCheckDeadline(db, checkId, giveUpAt);
      return null;
    }
    await runBatch(
      db,
      pending.map((vantage) =>
        failPendingVantage(
          db,
          vantage.id,
          vantage.askedAt === null
            ? noSlotReason(vantage, now - check.createdAt)
            : `no answer from ${vantage.nodeId} (${vantage.region}) by the deadline`,
          now,
        ),
      ),
    );
    // Read again rather than patch in memory: an answer that landed before these updates won,
    // and the verdict must be decided from what is stored.
    vantages = await listVantages(db, checkId);
  }
  const listedNodes = await nodesListedAt(
    db,
    vantages.map((vantage) => vantage.nodeId),
    check.createdAt,
  );
  const decision = decide(vantages, listedNodes);
  // A check whose every vantage answered that it could not test is finished, not failed.
  const anyResult = vantages.some((vantage) => vantage.status !== "failed");
  const [finished] = await db
    .update(checks)
    .set({
      status: anyResult ? "done" : "failed",
      verdict: decision.verdict,
      reason: decision.reason,
      summary: decision.summary,
      finishedAt: now,
      startedAt: earliestStart(vantages),
      ...proofWindowOnFinish(checkId, now + proofWindowMs),
    })
    .where(and(eq(checks.id, checkId), inArray(checks.status, OPEN_CHECK_STATUSES)))
    .returning();
  return finished ?? null;
}

/** Ids of unfinished checks past their deadline, oldest deadline first, for the sweeper. */
export async function overdueChecks(db: Database, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: checks.id })
    .from(checks)
    .where(and(inArray(checks.status, OPEN_CHECK_STATUSES), lt(checks.deadlineAt, now)))
    .orderBy(asc(checks.deadlineAt))
    .limit(limit);
  return rows.map((row) => row.id);
}

/** When the first probe of the check started, from its vantages; null when none ran. */
function earliestStart(vantages: VantageRow[]): number | null {
  const starts = vantages.flatMap((vantage) =>
    vantage.startedAt === null ? [] : [vantage.startedAt],
  );
  return starts.length === 0 ? null : Math.min(...starts);
}
