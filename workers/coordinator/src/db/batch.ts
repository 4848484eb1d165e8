import { getTableColumns } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client.ts";

/** D1 refuses a statement that binds more than 100 parameters. */
export const D1_MAX_BOUND_PARAMETERS = 100;

export type Statement = BatchItem<"sqlite">;

/**
 * Rows per multi-row INSERT into `table`, counting every column as bound so the limit holds
 * whichever columns a row happens to set.
 */
export function rowsPerInsert(table: SQLiteTable): number {
  const columnCount = Object.keys(getTableColumns(table)).length;
  return Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / columnCount));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/**
 * Runs the statements as one D1 batch: a single round trip and a single transaction, so either
 * every statement takes effect or, when one fails, none does.
 */
export async function runBatch(db: Database, statements: readonly Statement[]): Promise<void> {
  const [first, ...rest] = statements;
  if (first === undefined) return;
  await db.batch([first, ...rest]);
}
