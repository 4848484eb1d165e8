import type { ApiKeyIdentity } from "./api-keys.ts";
import { TooManyRequests } from "./errors.ts";

/*
 * Per-key usage in D1 `api_key_usage`, one row per key and UTC day. Each limit is one atomic
 * UPSERT whose WHERE refuses the increment once the limit is reached: concurrent requests cannot
 * both take the last unit, and a refused request does not inflate the counter. RETURNING gives no
 * row exactly when the increment was refused.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** YYYY-MM-DD of `now` in UTC. */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function secondsUntilNextUtcDay(now: number): number {
  return (Math.floor(now / DAY_MS) * DAY_MS + DAY_MS - now) / 1000;
}

/** Counts one request in the key's fixed one-minute window; 429 rate_limited past its rate. */
export async function countKeyRequest(
  db: D1Database,
  apiKey: ApiKeyIdentity,
  now: number,
): Promise<void> {
  const windowStart = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const counted = await db
    .prepare(
      `insert into api_key_usage (api_key_id, day, checks, window_start, window_requests)
       values (?1, ?2, 0, ?3, 1)
       on conflict (api_key_id, day) do update set
         window_requests = case when window_start = excluded.window_start
                                then window_requests + 1 else 1 end,
         window_start = excluded.window_start
       where window_start <> excluded.window_start or window_requests < ?4
       returning window_requests`,
    )
    .bind(apiKey.id, utcDay(now), windowStart, apiKey.ratePerMinute)
    .first();
  if (counted === null || apiKey.ratePerMinute < 1) {
    throw new TooManyRequests(
      "rate_limited",
      `this API key allows ${apiKey.ratePerMinute} requests per minute`,
      (windowStart + MINUTE_MS - now) / 1000,
    );
  }
}

/** One check taken from today's quota, to give back if the check is not started after all. */
export interface QuotaReservation {
  release(): Promise<void>;
}

/**
 * Takes `count` checks from the key's daily quota at once (a batch takes all of its domains);
 * 429 quota_exceeded when fewer are left.
 */
export async function reserveDailyCheck(
  db: D1Database,
  apiKey: ApiKeyIdentity,
  now: number,
  count = 1,
): Promise<QuotaReservation> {
  const day = utcDay(now);
  const reserved =
    apiKey.dailyQuota < count
      ? null
      : await db
          .prepare(
            `insert into api_key_usage (api_key_id, day, checks, window_start, window_requests)
             values (?1, ?2, ?5, ?3, 0)
             on conflict (api_key_id, day) do update set checks = checks + ?5
             where checks + ?5 <= ?4
             returning checks`,
          )
          .bind(apiKey.id, day, Math.floor(now / MINUTE_MS) * MINUTE_MS, apiKey.dailyQuota, count)
          .first();
  if (reserved === null) {
    throw new TooManyRequests(
      "quota_exceeded",
      count === 1
        ? `this API key's quota of ${apiKey.dailyQuota} checks per UTC day is used up`
        : `this API key's quota of ${apiKey.dailyQuota} checks per UTC day has fewer than ${count} left`,
      secondsUntilNextUtcDay(now),
    );
  }
  return {
    // The reservation's own day: a check refused just after midnight gives back to the day
    // it was taken from.
    release: () => releaseDailyChecks(db, apiKey.id, day, count),
  };
}

/**
 * Gives `count` checks back to a key's quota of `day`: what a request took for checks that were
 * then refused before any probe ran (the guard, DNS, an opt-out) is not used.
 */
export async function releaseDailyChecks(
  db: D1Database,
  apiKeyId: string,
  day: string,
  count: number,
): Promise<void> {
  await db
    .prepare(
      "update api_key_usage set checks = max(checks - ?3, 0) where api_key_id = ?1 and day = ?2",
    )
    .bind(apiKeyId, day, count)
    .run();
}
