import { ConfigError, type CoordinatorEnv } from "../env.ts";

export const TURNSTILE_SITEVERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
export const TURNSTILE_SCRIPT_URL = "https://challenges.cloudflare.com/turnstile/v0/api.js";
/** The form field the widget fills in. */
export const TURNSTILE_RESPONSE_FIELD = "cf-turnstile-response";

export interface TurnstileKeys {
  siteKey: string;
  secretKey: string;
}

/**
 * Turnstile's keys; null only when it was turned off on purpose (TURNSTILE = "off", local
 * development and tests). Missing keys are a configuration error, never a silent "off": a
 * deployment that forgot them would let scripts use the anonymous form and API freely.
 */
export function turnstileKeys(env: CoordinatorEnv): TurnstileKeys | null {
  if (env.TURNSTILE_SITE_KEY && env.TURNSTILE_SECRET_KEY) {
    return { siteKey: env.TURNSTILE_SITE_KEY, secretKey: env.TURNSTILE_SECRET_KEY };
  }
  if (env.TURNSTILE === "off" && !env.TURNSTILE_SITE_KEY && !env.TURNSTILE_SECRET_KEY) return null;
  throw new ConfigError(
    'Turnstile needs TURNSTILE_SITE_KEY and TURNSTILE_SECRET_KEY (or TURNSTILE = "off", for local development only)',
  );
}

/**
 * Asks siteverify whether the widget's token is genuine. Any failure (no token, a network
 * error, an unexpected answer) counts as not verified: the form is for humans, and a human
 * can submit again.
 */
export async function verifyTurnstile(
  secretKey: string,
  token: string,
  remoteIp: string | null,
  fetchImpl: typeof fetch = fetch,
): Promise<boolean> {
  if (token.length === 0 || token.length > 2048) return false;
  const body = new URLSearchParams({ secret: secretKey, response: token });
  if (remoteIp) body.set("remoteip", remoteIp);
  try {
    const response = await fetchImpl(TURNSTILE_SITEVERIFY_URL, { method: "POST", body });
    if (!response.ok) return false;
    const answer = (await response.json()) as { success?: unknown };
    return answer.success === true;
  } catch {
    return false;
  }
}
