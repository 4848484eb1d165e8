import { and, asc, count, eq, inArray, ne } from "drizzle-orm";
import type { BatchCounts } from "../../../../shared/schemas/batch.ts";
import type { Verdict } from "../../../../shared/schemas/probe-result.ts";
import { chunk, rowsPerInsert, runBatch } from "../db/batch.ts";
import type { Database } from "../db/client.ts";
import {
  type BatchItemStatus,
  type BatchRow,
  batches,
  batchItems,
  type CheckStatus,
  checks,
} from "../db/schema.ts";
import { itemPort } from "./port.ts";

/**
 * Batches in D1. Every state change is guarded in its WHERE clause, so redelivered and
 * concurrent queue messages change each row once.
 */

export interface NewBatchItem {
  position: number;
  domain: string;
  /** The port the request named for this item; null means the batch's port. */
  port: number | null;
  status: "queued" | "refused";
  error: string | null;
}

export async function insertBatch(
  db: Database,
  batch: BatchRow,
  items: readonly NewBatchItem[],
): Promise<void> {
  const rows = items.map((item) => ({ ...item, batchId: batch.id, checkId: null }));
  await runBatch(db, [
    db.insert(batches).values(batch),
    ...chunk(rows, rowsPerInsert(batchItems)).map((slice) => db.insert(batchItems).values(slice)),
  ]);
}

export async function findBatch(db: Database, id: string): Promise<BatchRow | null> {
  return (await db.select().from(batches).where(eq(batches.id, id)).get()) ?? null;
}

export async function itemsAtPositions(db: Database, batchId: string, positions: number[]) {
  return db
    .select()
    .from(batchItems)
    .where(and(eq(batchItems.batchId, batchId), inArray(batchItems.position, positions)))
    .orderBy(asc(batchItems.position));
}

function queuedItem(batchId: string, position: number) {
  return and(
    eq(batchItems.batchId, batchId),
    eq(batchItems.position, position),
    eq(batchItems.status, "queued"),
  );
}

export async function markItemStarted(
  db: Database,
  batchId: string,
  position: number,
  checkId: string,
): Promise<void> {
  await db
    .update(batchItems)
    .set({ status: "started", checkId })
    .where(queuedItem(batchId, position));
}

export async function markItemRefused(
  db: Database,
  batchId: string,
  position: number,
  error: string,
): Promise<boolean> {
  const changed = await db
    .update(batchItems)
    .set({ status: "refused", error })
    .where(queuedItem(batchId, position))
    .returning({ position: batchItems.position });
  // False when a redelivered slice finds the item already refused or started.
  return changed.length > 0;
}

export async function markBatchRunning(db: Database, batchId: string): Promise<void> {
  await db
    .update(batches)
    .set({ status: "running" })
    .where(and(eq(batches.id, batchId), eq(batches.status, "queued")));
}

/** The batch item of a finished check, shown as done. */
export async function markItemDone(db: Database, checkId: string): Promise<void> {
  await db
    .update(batchItems)
    .set({ status: "done" })
    .where(and(eq(batchItems.checkId, checkId), eq(batchItems.status, "started")));
}

const FINISHED_CHECK: CheckStatus[] = ["done", "failed"];

/**
 * An item's status as shown: `done` as soon as its check has finished, whether or not the item
 * row has caught up yet (the check is the truth; the row is updated after it).
 */
export function shownItemStatus(
  itemStatus: BatchItemStatus,
  checkStatus: CheckStatus | null,
): BatchItemStatus {
  if (itemStatus === "refused") return "refused";
  if (checkStatus !== null && FINISHED_CHECK.includes(checkStatus)) return "done";
  return itemStatus;
}

/** Items by shown status, and finished checks by verdict. One grouped query. */
export async function countBatch(db: Database, batchId: string): Promise<BatchCounts> {
  const rows = await db
    .select({
      itemStatus: batchItems.status,
      checkStatus: checks.status,
      verdict: checks.verdict,
      n: count(),
    })
    .from(batchItems)
    .leftJoin(checks, eq(checks.id, batchItems.checkId))
    .where(eq(batchItems.batchId, batchId))
    .groupBy(batchItems.status, checks.status, checks.verdict);
  const counts: BatchCounts = {
    queued: 0,
    started: 0,
    done: 0,
    refused: 0,
    open: 0,
    suspect: 0,
    closed: 0,
    inconclusive: 0,
  };
  for (const row of rows) {
    const status = shownItemStatus(row.itemStatus, row.checkStatus);
    counts[status] += row.n;
    if (status === "done" && row.verdict) counts[row.verdict satisfies Verdict] += row.n;
  }
  return counts;
}

/**
 * Marks the batch done once every item is refused or has a finished check. Returns the batch
 * only to the call that finished it, so what follows (the webhook) happens once.
 */
export async function finishBatchIfComplete(
  db: Database,
  batchId: string,
  now: number,
): Promise<{ batch: BatchRow; counts: BatchCounts } | null> {
  const batch = await findBatch(db, batchId);
  if (!batch || batch.status === "done") return null;
  const counts = await countBatch(db, batchId);
  if (counts.done + counts.refused < batch.total) return null;
  const [finished] = await db
    .update(batches)
    .set({ status: "done", finishedAt: now })
    .where(and(eq(batches.id, batchId), ne(batches.status, "done")))
    .returning();
  return finished ? { batch: finished, counts } : null;
}

/** Unfinished batches, oldest first, for the sweeper's catch-up (batches_status_created_idx). */
export async function unfinishedBatchIds(db: Database, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: batches.id })
    .from(batches)
    .where(inArray(batches.status, ["queued", "running"]))
    .orderBy(asc(batches.createdAt))
    .limit(limit);
  return rows.map((row) => row.id);
}

export interface BatchItemView {
  position: number;
  domain: string;
  /** The port the item is (or would have been) tested on, whichever way it was chosen. */
  port: number;
  status: BatchItemStatus;
  checkId: string | null;
  verdict: Verdict | null;
  reason: string | null;
  error: string | null;
}

/** Items in position order joined with their checks; all of them when `page` is omitted. */
export async function listBatchItems(
  db: Database,
  batch: Pick<BatchRow, "id" | "port">,
  page?: { limit: number; offset: number },
): Promise<BatchItemView[]> {
  const query = db
    .select({
      position: batchItems.position,
      domain: batchItems.domain,
      ownPort: batchItems.port,
      itemStatus: batchItems.status,
      checkId: batchItems.checkId,
      checkStatus: checks.status,
      verdict: checks.verdict,
      reason: checks.reason,
      error: batchItems.error,
    })
    .from(batchItems)
    .leftJoin(checks, eq(checks.id, batchItems.checkId))
    .where(eq(batchItems.batchId, batch.id))
    .orderBy(asc(batchItems.position));
  const rows = page ? await query.limit(page.limit).offset(page.offset) : await query;
  return rows.map(({ itemStatus, checkStatus, ownPort, ...row }) => {
    const status = shownItemStatus(itemStatus, checkStatus);
    return {
      ...row,
      port: itemPort(ownPort, batch.port),
      status,
      verdict: status === "done" ? row.verdict : null,
      reason: status === "done" ? row.reason : null,
    };
  });
}
