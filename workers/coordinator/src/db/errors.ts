/**
 * Whether `error`, or an error it wraps, says `text`. D1 reports constraint failures only as
 * message text, and drizzle may wrap the D1 error in its own.
 */
function saysSomewhere(error: unknown, text: string): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current.message.includes(text)) return true;
  }
  return false;
}

/** SQLite refused a duplicate value in `column` ("table.column"). */
export function isUniqueViolation(error: unknown, column: string): boolean {
  return saysSomewhere(error, `UNIQUE constraint failed: ${column}`);
}

/** SQLite refused a NULL in `column` ("table.column"). */
export function isNotNullViolation(error: unknown, column: string): boolean {
  return saysSomewhere(error, `NOT NULL constraint failed: ${column}`);
}
