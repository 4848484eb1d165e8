import { ConfigError, type CoordinatorEnv } from "../env.ts";
import { TooManyRequests } from "./errors.ts";

/**
 * Per-target cool-down: one target (and port) is not probed again right after a check of it,
 * whoever asked for that check. Probing a mail server is heavy (dozens of relay attempts from
 * every vantage), so repeating it within minutes would make Relaywatch a hammer; the earlier
 * report answers the question anyway.
 *
 * Anonymous requests wait TARGET_COOLDOWN_SECONDS (300 by default); key holders, who are
 * accountable, wait the shorter KEYED_TARGET_COOLDOWN_SECONDS, and never longer than the
 * anonymous cool-down, so TARGET_COOLDOWN_SECONDS = "0" turns the cool-down off for everyone.
 */

export const DEFAULT_TARGET_COOLDOWN_SECONDS = 300;
export const KEYED_TARGET_COOLDOWN_SECONDS = 60;

export function anonymousCooldownSeconds(env: CoordinatorEnv): number {
  const text = env.TARGET_COOLDOWN_SECONDS;
  if (text === undefined || text === "") return DEFAULT_TARGET_COOLDOWN_SECONDS;
  if (!/^\d{1,7}$/.test(text)) {
    throw new ConfigError("TARGET_COOLDOWN_SECONDS must be a whole number of seconds");
  }
  return Number.parseInt(text, 10);
}

export function cooldownSeconds(env: CoordinatorEnv, keyed: boolean): number {
  const anonymous = anonymousCooldownSeconds(env);
  return keyed ? Math.min(KEYED_TARGET_COOLDOWN_SECONDS, anonymous) : anonymous;
}

/** The stored form of a target, as planCheck records it. */
export function normalizeTarget(target: string): string {
  return target.toLowerCase().replace(/\.$/, "");
}

export interface CooldownState {
  /** The check that started the cool-down. */
  checkId: string;
  checkedAt: number;
  /** When the target may be checked again. */
  allowedAt: number;
  /** Its report, absolute when PUBLIC_ORIGIN is set. */
  report: string;
}

/** The cool-down a target and port are in for this caller now; null when it may be checked. */
export async function targetCooldown(
  env: CoordinatorEnv,
  target: string,
  port: number,
  keyed: boolean,
  now: number,
): Promise<CooldownState | null> {
  const seconds = cooldownSeconds(env, keyed);
  if (seconds === 0) return null;
  // Served by checks_target_created_idx (target, created_at); the port is filtered on the
  // few rows of the window.
  const recent = await env.DB.prepare(
    `select id, created_at from checks
     where target = ?1 and created_at > ?2 and port = ?3
     order by created_at desc limit 1`,
  )
    .bind(normalizeTarget(target), now - seconds * 1000, port)
    .first<{ id: string; created_at: number }>();
  if (recent === null) return null;
  return {
    checkId: recent.id,
    checkedAt: recent.created_at,
    allowedAt: recent.created_at + seconds * 1000,
    report: reportLink(env, recent.id),
  };
}

/** Refuses with 429 target_cooldown while a check of this target and port is too recent. */
export async function enforceTargetCooldown(
  env: CoordinatorEnv,
  target: string,
  port: number,
  keyed: boolean,
  now: number,
): Promise<void> {
  const cooldown = await targetCooldown(env, target, port, keyed, now);
  if (cooldown === null) return;
  throw new TooManyRequests(
    "target_cooldown",
    `${normalizeTarget(target)} port ${port} was checked at ${new Date(cooldown.checkedAt).toISOString()}; ` +
      `it can be checked again from ${new Date(cooldown.allowedAt).toISOString()}. ` +
      `The existing report: ${cooldown.report}`,
    (cooldown.allowedAt - now) / 1000,
    { Link: `<${cooldown.report}>; rel="related"` },
  );
}

function reportLink(env: CoordinatorEnv, checkId: string): string {
  const path = `/api/v1/checks/${checkId}`;
  return env.PUBLIC_ORIGIN ? `${env.PUBLIC_ORIGIN.replace(/\/+$/, "")}${path}` : path;
}
