/**
 * True when `error`, or an error it wraps, is SQLite refusing a duplicate value in `column`
 * ("table.column"). D1 reports constraint failures only as message text, and drizzle may wrap
 * the D1 error in its own.
 */
export function isUniqueViolation(error: unknown, column: string): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current.message.includes(`UNIQUE constraint failed: ${column}`)) return true;
  }
  return false;
}
