import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
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

export const KEYED_TARGET_COOLDOWN_SECONDS = 60;

type CooldownConfig = Pick<CoordinatorConfig, "targetCooldownSeconds" | "publicOrigin">;

function cooldownSeconds(config: CooldownConfig, keyed: boolean): number {
  const anonymous = config.targetCooldownSeconds;
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
  config: CooldownConfig,
  target: string,
  port: number,
  keyed: boolean,
  now: number,
): Promise<CooldownState | null> {
  const seconds = cooldownSeconds(config, keyed);
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
    report: reportLink(config, recent.id),
  };
}

/** Refuses with 429 target_cooldown while a check of this target and port is too recent. */
export async function enforceTargetCooldown(
  env: CoordinatorEnv,
  config: CooldownConfig,
  target: string,
  port: number,
  keyed: boolean,
  now: number,
): Promise<void> {
  const cooldown = await targetCooldown(env, config, target, port, keyed, now);
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

function reportLink(config: CooldownConfig, checkId: string): string {
  return `${config.publicOrigin ?? ""}/api/v1/checks/${checkId}`;
}
