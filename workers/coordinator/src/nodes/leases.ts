import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { nodeLeases } from "../db/schema.ts";

/**
 * Per-node concurrency: a job runs only while it holds one of its node's `maxConcurrentJobs`
 * leases. Taking a lease is one INSERT ... SELECT guarded by a count, and D1 runs each
 * statement alone, so two consumers can never both take the last slot (expired leases are
 * cleared first, in a statement of their own: clearing them late only delays a job). A lease expires after
 * the job's own time limit, so a consumer that died mid-call frees its slot.
 */
export async function acquireLease(
  db: Database,
  node: { id: string; maxConcurrentJobs: number },
  vantageId: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  await db.delete(nodeLeases).where(sql`${nodeLeases.expiresAt} <= ${now}`);
  const inserted = await db.run(sql`
    insert into ${nodeLeases} (vantage_result_id, node_id, expires_at)
    select ${vantageId}, ${node.id}, ${now + ttlMs}
    where (select count(*) from ${nodeLeases} where ${nodeLeases.nodeId} = ${node.id})
          < ${node.maxConcurrentJobs}
    on conflict (vantage_result_id) do nothing`);
  return inserted.meta.changes === 1;
}

export async function releaseLease(db: Database, vantageId: string): Promise<void> {
  await db.delete(nodeLeases).where(eq(nodeLeases.vantageResultId, vantageId));
}

/**
 * A job that found no free slot on its node for this long after its check began gives up, and
 * so does its check for it (db/completion.ts), even when the queue never delivered it again.
 */
export const MAX_SLOT_WAIT_MS = 10 * 60_000;

/** Why a job that gave up waiting did not run: its node was never asked, so it was not silent. */
export function noSlotReason(vantage: { nodeId: string; region: string }, waitedMs: number) {
  const minutes = Math.round(waitedMs / 60_000);
  return `node ${vantage.nodeId} (${vantage.region}) was never asked: no free slot for ${minutes} minutes`;
}
