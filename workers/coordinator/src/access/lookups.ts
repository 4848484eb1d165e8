import type { Context } from "hono";
import type { AppContext } from "../context.ts";
import { anonymousClientHash, minuteWindow, takeFromMinute } from "./anonymous.ts";
import { TooManyRequests } from "./errors.ts";

/**
 * Target lookups (`GET /api/v1/limits?target=`) per caller and minute. Each one costs DNS work
 * (MX, addresses, the opt-out TXT records) and a D1 query, so a stranger must not be able to make
 * the coordinator resolve names in a loop; a person looking at a few cool-downs needs few. The
 * allowance is its own count: a lookup starts no check, so it never takes check quota.
 */
export const TARGET_LOOKUPS_PER_MINUTE = 10;

/**
 * Whose allowance a lookup is taken from: the key for key holders, else the caller's network
 * exactly as for anonymous checks (IPv4 address, IPv6 /64, hashed), so rotating through a /64
 * gains nothing. A key id cannot be mistaken for a hex hash.
 */
async function lookupCaller(c: Context<AppContext>): Promise<string> {
  const apiKey = c.var.apiKey;
  return apiKey ? `key:${apiKey.id}` : await anonymousClientHash(c.req.raw);
}

/** Takes one target lookup from the caller's minute, exactly, in D1; 429 lookup_rate_limited past it. */
export async function countTargetLookup(c: Context<AppContext>, now: number): Promise<void> {
  const window = minuteWindow(now);
  const caller = await lookupCaller(c);
  const taken = await takeFromMinute(
    c.env.DB,
    "lookup_usage",
    caller,
    TARGET_LOOKUPS_PER_MINUTE,
    window.start,
  );
  if (!taken) {
    throw new TooManyRequests(
      "lookup_rate_limited",
      `target lookups are limited to ${TARGET_LOOKUPS_PER_MINUTE} per minute (per API key, or per address without one); this takes none of your checks`,
      window.resetSeconds,
    );
  }
}
