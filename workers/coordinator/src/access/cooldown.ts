import { and, desc, eq, gt, inArray } from "drizzle-orm";
import { type Database, openDatabase } from "../db/client.ts";
import { targetContacts } from "../db/schema.ts";
import { ConfigError, type CoordinatorEnv } from "../env.ts";
import { TooManyRequests } from "./errors.ts";

/**
 * Per-target cool-down: one address (and port) is not probed again right after a check of it,
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

/**
 * Since when a new check of the same (address, port) is refused for this caller; null when the
 * cool-down is off.
 */
export function cooldownSince(env: CoordinatorEnv, keyed: boolean, now: number): number | null {
  const seconds = cooldownSeconds(env, keyed);
  return seconds === 0 ? null : now - seconds * 1000;
}

/** What a check will contact: its distinct guarded addresses on one port. */
export interface Contacts {
  addresses: readonly string[];
  port: number;
}

/** The newest check that contacted any of these addresses on this port since `since`. */
export async function recentContact(
  db: Database,
  contacts: Contacts,
  since: number,
): Promise<{ checkId: string; createdAt: number } | null> {
  if (contacts.addresses.length === 0) return null;
  const row = await db
    .select({ checkId: targetContacts.checkId, createdAt: targetContacts.createdAt })
    .from(targetContacts)
    .where(
      and(
        inArray(targetContacts.address, [...contacts.addresses]),
        eq(targetContacts.port, contacts.port),
        gt(targetContacts.createdAt, since),
      ),
    )
    .orderBy(desc(targetContacts.createdAt))
    .get();
  return row ?? null;
}

export interface CooldownState {
  /** The check that started the cool-down. */
  checkId: string;
  checkedAt: number;
  /** When these addresses may be checked again. */
  allowedAt: number;
  /** Its report, absolute when PUBLIC_ORIGIN is set. */
  report: string;
}

/**
 * The cool-down these (address, port) pairs are in for this caller now, whoever asked for the
 * check that contacted them; null when they may be checked.
 */
export async function contactsCooldown(
  env: CoordinatorEnv,
  contacts: Contacts,
  keyed: boolean,
  now: number,
): Promise<CooldownState | null> {
  const since = cooldownSince(env, keyed, now);
  if (since === null) return null;
  const recent = await recentContact(openDatabase(env.DB), contacts, since);
  if (recent === null) return null;
  return {
    checkId: recent.checkId,
    checkedAt: recent.createdAt,
    allowedAt: recent.createdAt + (now - since),
    report: reportLink(env, recent.checkId),
  };
}

/**
 * Refuses with 429 target_cooldown while a check that contacted any of the same addresses on
 * the same port is too recent, however the target was spelled (a name, another name with the
 * same MX, a decimal or hex address, an IPv4-mapped form), and whoever asked for it.
 */
export async function enforceTargetCooldown(
  env: CoordinatorEnv,
  contacts: Contacts,
  keyed: boolean,
  now: number,
): Promise<void> {
  const cooldown = await contactsCooldown(env, contacts, keyed, now);
  if (cooldown !== null) throw targetCooldown(contacts, cooldown, now);
}

export function targetCooldown(
  contacts: Contacts,
  cooldown: CooldownState,
  now: number,
): TooManyRequests {
  const what =
    contacts.addresses.length === 1 ? contacts.addresses[0] : "an address of this target";
  return new TooManyRequests(
    "target_cooldown",
    `${what} port ${contacts.port} was checked at ${new Date(cooldown.checkedAt).toISOString()}; ` +
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
