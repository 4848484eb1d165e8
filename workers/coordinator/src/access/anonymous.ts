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

export function clientAddress(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? LOCAL_CLIENT_KEY;
}

/**
 * Anonymous checks per client address, through the Workers rate-limiting binding. The binding
 * counts per Cloudflare location and approximately, so it is a brake, not an exact limit; the
 * per-target cool-down in D1 is what protects the servers being tested. Without the binding
 * (a configuration that does not declare it) nothing is limited here.
 */
export async function enforceAnonymousRate(env: CoordinatorEnv, request: Request): Promise<void> {
  const limiter = env.ANON_RATE_LIMITER;
  if (!limiter) return;
  const { success } = await limiter.limit({ key: clientAddress(request) });
  if (!success) {
    throw new TooManyRequests(
      "rate_limited",
      "too many checks from your address; wait a minute, or use an API key",
      ANON_RATE_PERIOD_SECONDS,
    );
  }
}

const MINUTE_MS = 60_000;

/**
 * The network an anonymous caller is counted under: its IPv4 address, or the /64 of its IPv6
 * address (one subscriber usually holds a whole /64), hashed so no address is stored in D1.
 */
export async function anonymousClientHash(request: Request): Promise<string> {
  const address = clientAddress(request);
  let network = address;
  if (ipaddr.isValid(address)) {
    const parsed = ipaddr.process(address);
    network =
      parsed.kind() === "ipv6"
        ? `${ipaddr.fromByteArray([...parsed.toByteArray().slice(0, 8), ...new Array(8).fill(0)]).toString()}/64`
        : parsed.toString();
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(network));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function minuteWindow(now: number): { start: number; resetSeconds: number } {
  const start = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  return { start, resetSeconds: (start + MINUTE_MS - now) / 1000 };
}

/**
 * Takes one anonymous check from the caller's minute, exactly, in D1 (the binding above is only
 * a flood brake). Like the per-key counters, one UPSERT whose WHERE refuses past the limit; the
 * release gives the check back when it is refused before any probe runs.
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
  const counted = await env.DB.prepare(
    `insert into anonymous_usage (client_hash, window_start, checks) values (?1, ?2, 1)
     on conflict (client_hash) do update set
       checks = case when window_start = excluded.window_start then checks + 1 else 1 end,
       window_start = excluded.window_start
     where window_start <> excluded.window_start or checks < ?3
     returning checks`,
  )
    .bind(clientHash, window.start, limit)
    .first();
  if (counted === null) {
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

/** Rows of callers not seen for a day: the cron keeps the table to the active ones. */
export async function pruneAnonymousUsage(env: CoordinatorEnv, now: number): Promise<void> {
  await env.DB.prepare("delete from anonymous_usage where window_start < ?")
    .bind(now - 24 * 60 * MINUTE_MS)
    .run();
}
