/** The port a check is run on when its request names none, as planCheck does. */
const DEFAULT_CHECK_PORT = 25;

/**
 * The port a batch item is tested on: its own when the request named one, else the batch's,
 * else a single check's default. Items stored before items had ports have none of their own.
 */
export function itemPort(itemOwnPort: number | null, batchPort: number | null): number {
  return itemOwnPort ?? batchPort ?? DEFAULT_CHECK_PORT;
}
