import type { CoordinatorEnv } from "../env.ts";
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
