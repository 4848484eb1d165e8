import type { z } from "zod";

/**
 * A queue message's body parsed with its schema, or null when it does not fit: such a message is
 * acknowledged and logged, since retrying it could never succeed.
 */
export function parseQueueBody<T>(
  message: Message<unknown>,
  schema: z.ZodType<T>,
  kind: string,
): T | null {
  const parsed = schema.safeParse(message.body);
  if (parsed.success) return parsed.data;
  console.error(`dropping a malformed ${kind} message`, message.id);
  message.ack();
  return null;
}
