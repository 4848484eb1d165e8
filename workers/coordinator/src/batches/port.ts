import { SMTP_PORT } from "../../../../shared/smtp/ports.ts";
/**
 * The port a batch item is tested on: its own when the request named one, else the batch's,
 * else a single check's default. Items stored before items had ports have none of their own.
 */
export function itemPort(itemOwnPort: number | null, batchPort: number | null): number {
  return itemOwnPort ?? batchPort ?? SMTP_PORT;
}
