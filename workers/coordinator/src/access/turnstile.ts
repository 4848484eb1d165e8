import type { Context } from "hono";
import type { AppContext } from "../context.ts";

/**
 * Whether the page must ask this caller for a Turnstile token: never for a key holder (a
 * script, accountable through its key), and only when Turnstile is configured at all.
 */
export function requiresTurnstile(c: Context<AppContext>): boolean {
  if (c.var.apiKey) return false;
  return Boolean(c.env.TURNSTILE_SITE_KEY && c.env.TURNSTILE_SECRET_KEY);
}
