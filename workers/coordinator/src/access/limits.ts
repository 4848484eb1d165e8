import type { Context, MiddlewareHandler } from "hono";
import type { LimitState } from "../../../../shared/schemas/api.ts";
import type { AppContext } from "../context.ts";
import { anonymousClientHash, minuteWindow } from "./anonymous.ts";
import type { ApiKeyIdentity } from "./api-keys.ts";
import { secondsUntilNextUtcDay, utcDay } from "./usage.ts";

/**
 * The limits that apply to a caller and where it stands, as the IETF RateLimit fields state
 * them (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` names each quota policy with
 * its quota `q` and window `w`, `RateLimit` its remaining units `r` and seconds to reset `t`.
 * Anonymous callers have one policy (checks per minute per address); key holders two (requests
 * per minute, checks per UTC day).
 */

function state(
  policy: LimitState["policy"],
  counts: LimitState["counts"],
  limit: number,
  windowSeconds: number,
  used: number,
  resetSeconds: number,
): LimitState {
  return {
    policy,
    counts,
    limit,
    windowSeconds,
    used,
    remaining: Math.max(0, limit - used),
    resetSeconds: Math.max(0, Math.ceil(resetSeconds)),
  };
}

async function keyLimits(db: D1Database, apiKey: ApiKeyIdentity, now: number) {
  const row = await db
    .prepare(
      "select checks, window_start, window_requests from api_key_usage where api_key_id = ? and day = ?",
    )
    .bind(apiKey.id, utcDay(now))
    .first<{ checks: number; window_start: number; window_requests: number }>();
  const window = minuteWindow(now);
  const requests = row !== null && row.window_start === window.start ? row.window_requests : 0;
  return [
    state(
      "requests-per-minute",
      "requests",
      apiKey.ratePerMinute,
      60,
      requests,
      window.resetSeconds,
    ),
    state(
      "checks-per-day",
      "checks",
      apiKey.dailyQuota,
      86_400,
      row?.checks ?? 0,
      secondsUntilNextUtcDay(now),
    ),
  ];
}

async function anonymousLimits(c: Context<AppContext>, now: number) {
  const row = await c.env.DB.prepare(
    "select window_start, checks from anonymous_usage where client_hash = ?",
  )
    .bind(await anonymousClientHash(c.req.raw))
    .first<{ window_start: number; checks: number }>();
  const window = minuteWindow(now);
  const used = row !== null && row.window_start === window.start ? row.checks : 0;
  const limit = c.var.config.anonChecksPerMinute;
  return [state("anonymous-checks-per-minute", "checks", limit, 60, used, window.resetSeconds)];
}

/** Where the caller of this request stands, read after the request took what it took. */
export function callerLimits(c: Context<AppContext>, now = Date.now()): Promise<LimitState[]> {
  const apiKey = c.var.apiKey;
  return apiKey ? keyLimits(c.env.DB, apiKey, now) : anonymousLimits(c, now);
}

export function rateLimitFields(states: LimitState[]): Record<string, string> {
  return {
    "RateLimit-Policy": states
      .map((s) => `"${s.policy}";q=${s.limit};w=${s.windowSeconds}`)
      .join(", "),
    RateLimit: states.map((s) => `"${s.policy}";r=${s.remaining};t=${s.resetSeconds}`).join(", "),
  };
}

/**
 * Adds the RateLimit fields to every API answer, errors included (app.onError has shaped them
 * by the time `next` returns). Runs outside `authenticate`, which sets the key before it counts
 * the request, so a key's own 429 carries its fields too.
 */
export const rateLimitHeaders: MiddlewareHandler<AppContext> = async (c, next) => {
  await next();
  try {
    for (const [name, value] of Object.entries(rateLimitFields(await callerLimits(c)))) {
      c.res.headers.set(name, value);
    }
  } catch (error) {
    // The answer itself is already made; a failed read of the counters must not replace it.
    console.warn("RateLimit fields left out:", error);
  }
};
