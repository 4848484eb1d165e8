/**
 * Delays before each retry of a webhook call: attempt 1 fails -> wait 30 s, and so on. Eight
 * attempts over about 22 hours; the longest delay is the 12 hours Queues allows for a message.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [
  30,
  2 * 60,
  10 * 60,
  60 * 60,
  3 * 60 * 60,
  6 * 60 * 60,
  12 * 60 * 60,
];

export const MAX_WEBHOOK_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/** The delay after `attempts` failed calls, or null when no attempt is left. */
export function retryDelaySeconds(attempts: number): number | null {
  if (attempts >= MAX_WEBHOOK_ATTEMPTS) return null;
  return RETRY_DELAYS_SECONDS[Math.max(0, attempts - 1)] ?? null;
}
