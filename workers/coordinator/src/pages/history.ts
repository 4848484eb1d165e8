import { and, desc, eq, isNull, ne } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type CheckRow, checks } from "../db/schema.ts";

export const HISTORY_LIMIT = 10;

export type HistoryEntry = Pick<CheckRow, "id" | "status" | "verdict" | "createdAt">;

/** Earlier checks of the same target (same kind and port), newest first. */
export async function listTargetHistory(db: Database, check: CheckRow): Promise<HistoryEntry[]> {
  return db
    .select({
      id: checks.id,
      status: checks.status,
      verdict: checks.verdict,
      createdAt: checks.createdAt,
    })
    .from(checks)
    .where(
      and(
        eq(checks.target, check.target),
        eq(checks.kind, check.kind),
        check.port === null ? isNull(checks.port) : eq(checks.port, check.port),
        ne(checks.id, check.id),
      ),
    )
    .orderBy(desc(checks.createdAt))
    .limit(HISTORY_LIMIT);
}
