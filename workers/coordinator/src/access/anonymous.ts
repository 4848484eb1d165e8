import ipaddr from "ipaddr.js";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { TooManyRequests } from "./errors.ts";

/**
 * The period of ANON_RATE_LIMITER in wrangler.toml. The binding says only yes or no, so
 * Retry-After is the whole period: the earliest moment a refused client is sure to be let in.
 */
export const ANON_RATE_PERIOD_SECONDS = 60;

/** Local development has no Cloudflare edge in front, hence no client address header. */
export const LOCAL_CLIENT_KEY = "local";

/**
 * Who an anonymous caller is, for every anonymous limit (the flood brake, the exact count per
 * minute, Idempotency-Keys): the IPv4 address, or the /64 an IPv6 address is in. One subscriber
 * usually gets a whole /64 and can rotate through it at will, so keying the full IPv6 address
 * would never limit anyone.
 */
export function clientNetwork(request: Request): string {
  const address = request.headers.get("cf-connecting-ip");
  if (address === null) return LOCAL_CLIENT_KEY;
  try {
    const parsed = ipaddr.parse(address.trim());
    if (parsed.kind() === "ipv4") return parsed.toString();
    const ipv6 = parsed as ipaddr.IPv6;
    if (ipv6.isIPv4MappedAddress()) return ipv6.toIPv4Address().toString();
    const parts = ipv6.parts.slice(0, 4).concat([0, 0, 0, 0]);
    return `${new ipaddr.IPv6(parts).toString()}/64`;
  } catch {
    // Not an address at all: key on the text, which still limits whoever sends it.
    return address.slice(0, 64);
  }
}

/**
 * Anonymous checks per client network, through the Workers rate-limiting binding. The binding
 * counts per Cloudflare location and approximately, so it is a brake, not an exact limit; the
 * per-target cool-down in D1 is what protects the servers being tested. Without the binding
 * (a configuration that does not declare it) nothing is limited here.
 */
export async function enforceAnonymousRate(env: CoordinatorEnv, request: Request): Promise<void> {
  const limiter = env.ANON_RATE_LIMITER;
  if (!limiter) return;
  const { success } = await limiter.limit({ key: clientNetwork(request) });
  if (!success) {
    throw new TooManyRequests(
      "rate_limited",
      "too many checks from your address; wait a minute, or use an API key",
      ANON_RATE_PERIOD_SECONDS,
    );
  }
}

const MINUTE_MS = 60_000;

/** The caller's network (see clientNetwork), hashed so no address is stored in D1. */
export async function anonymousClientHash(request: Request): Promise<string> {
  const network = new TextEncoder().encode(clientNetwork(request));
  const digest = await crypto.subtle.digest("SHA-256", network);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function minuteWindow(now: number): { start: number; resetSeconds: number } {
  const start = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  return { start, resetSeconds: (start + MINUTE_MS - now) / 1000 };
}

/** The per-caller one-minute counters in D1, with their key and count columns. */
const MINUTE_COUNTERS = {
  anonymous_usage: { key: "client_hash", count: "checks" },
  lookup_usage: { key: "caller", count: "lookups" },
} as const;

/**
 * Takes one unit from the caller's fixed one-minute window of a counter, exactly. Like the
 * per-key counters, one UPSERT whose WHERE refuses past the limit, so concurrent requests cannot
 * both take the last unit; false when refused.
 */
export async function takeFromMinute(
  db: D1Database,
  table: keyof typeof MINUTE_COUNTERS,
  caller: string,
  limit: number,
  windowStart: number,
): Promise<boolean> {
  const { key, count } = MINUTE_COUNTERS[table];
  const counted = await db
    .prepare(
      `insert into ${table} (${key}, window_start, ${count}) values (?1, ?2, 1)
       on conflict (${key}) do update set
         ${count} = case when window_start = excluded.window_start then ${count} + 1 else 1 end,
         window_start = excluded.window_start
       where window_start <> excluded.window_start or ${count} < ?3
       returning ${count}`,
    )
    .bind(caller, windowStart, limit)
    .first();
  return counted !== null;
}

/**
 * Takes one anonymous check from the caller's minute, exactly, in D1 (the binding above is only
 * a flood brake); the release gives the check back when it is refused before any probe runs.
 */
export async function reserveAnonymousCheck(
  env: CoordinatorEnv,
  config: Pick<CoordinatorConfig, "anonChecksPerMinute">,
  request: Request,
  now: number,
): Promise<{ release(): Promise<void> }> {
  const limit = config.anonChecksPerMinute;
  const clientHash = await anonymousClientHash(request);
  const window = minuteWindow(now);
  if (!(await takeFromMinute(env.DB, "anonymous_usage", clientHash, limit, window.start))) {
    throw new TooManyRequests(
      "rate_limited",
      `anonymous use allows ${limit} checks per minute from one address; wait, or use an API key`,
      window.resetSeconds,
    );
  }
  return {
    async release() {
      await env.DB.prepare(
        "update anonymous_usage set checks = max(checks - 1, 0) where client_hash = ?1 and window_start = ?2",
      )
        .bind(clientHash, window.start)
        .run();
    },
  };
}

/** Rows of callers not seen for a day: the cron keeps each minute counter to the active ones. */
export async function pruneMinuteCounters(env: CoordinatorEnv, now: number): Promise<void> {
  const dayAgo = now - 24 * 60 * MINUTE_MS;
  await env.DB.batch(
    Object.keys(MINUTE_COUNTERS).map((table) =>
      env.DB.prepare(`delete from ${table} where window_start < ?`).bind(dayAgo),
    ),
  );
}
