import { env } from "cloudflare:workers";
import { generateApiKey, hashApiKey } from "../../workers/coordinator/src/access/api-key-format.ts";

/** Fixtures of the access tests (test/workers/access-*.test.ts). */

export interface TestKey {
  id: string;
  key: string;
  authorization: Record<string, string>;
}

/** Stores a key as `npm run admin -- create-key` would: only its hash. */
export async function insertApiKey(
  limits: { dailyQuota?: number; ratePerMinute?: number; revoked?: boolean } = {},
): Promise<TestKey> {
  const key = generateApiKey();
  const id = crypto.randomUUID();
  await env.DB.prepare(
    `insert into api_keys (id, name, key_hash, key_prefix, daily_quota, rate_per_minute, created_at, revoked_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      "Test Hosting",
      await hashApiKey(key),
      key.slice(0, 11),
      limits.dailyQuota ?? 1000,
      limits.ratePerMinute ?? 1000,
      Date.now(),
      limits.revoked ? Date.now() : null,
    )
    .run();
  return { id, key, authorization: { authorization: `Bearer ${key}` } };
}

/** Moves a check's creation time back, as if it had been made `seconds` ago. */
export async function ageCheck(checkId: string, seconds: number): Promise<void> {
  const then = Date.now() - seconds * 1000;
  await env.DB.batch([
    env.DB.prepare("update checks set created_at = ? where id = ?").bind(then, checkId),
    // The cool-down reads what the check contacted, and when.
    env.DB.prepare("update target_contacts set created_at = ? where check_id = ?").bind(
      then,
      checkId,
    ),
  ]);
}

export async function checkApiKeyId(checkId: string): Promise<string | null> {
  const row = await env.DB.prepare("select api_key_id from checks where id = ?")
    .bind(checkId)
    .first<{ api_key_id: string | null }>();
  return row?.api_key_id ?? null;
}

/**
 * Waits out the last seconds of a minute: the per-key rate counts in fixed one-minute windows,
 * and a test whose requests straddle two windows would see its counter reset.
 */
export async function awayFromMinuteEdge(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) {
    await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
  }
}

/** A loopback host on its own port: a target no other test checks. */
export function hostTarget(port: number) {
  return { host: "127.0.0.1", port };
}
