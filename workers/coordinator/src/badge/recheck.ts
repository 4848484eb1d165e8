import { startCheck } from "../checks/start.ts";
import { openDatabase } from "../db/client.ts";
import { resolverFor } from "../dns/resolver-for.ts";
import { type CoordinatorEnv, readConfig } from "../env.ts";
import { ApiException } from "../errors.ts";
import { EVIDENCE_WINDOW_MS } from "./evidence.ts";
import { badgeDomainsDueForRecheck, markRechecked } from "./store.ts";

/** Re-checks started per cron run: the cron fires every minute, so this is 300 an hour. */
export const RECHECKS_PER_RUN = 5;
const DEFAULT_RECHECK_HOURS = 24;
const HOUR_MS = 60 * 60 * 1000;

export function recheckIntervalMs(env: CoordinatorEnv): number {
  const hours = Number(env.BADGE_RECHECK_HOURS ?? DEFAULT_RECHECK_HOURS);
  return (Number.isFinite(hours) && hours > 0 ? hours : DEFAULT_RECHECK_HOURS) * HOUR_MS;
}

/**
 * The scheduled task that keeps badges honest: domains whose badge was served in the last 30
 * days and whose newest badge check (full catalogue, the badge's port) is older than the re-check
 * interval get a new check with exactly those settings. A re-check that cannot start (the domain left DNS, the guard now refuses its
 * addresses) creates no check; `last_recheck_at` is then stamped later than the domain's newest
 * check, which the badge reads as "unknown" until a later check succeeds, and the domain waits
 * one interval before the next attempt.
 */
export async function recheckBadgeDomains(env: CoordinatorEnv, now: number): Promise<void> {
  const db = openDatabase(env.DB);
  const interval = recheckIntervalMs(env);
  const due = await badgeDomainsDueForRecheck(
    db,
    now - EVIDENCE_WINDOW_MS,
    now - interval,
    RECHECKS_PER_RUN,
  );
  if (due.length === 0) return;
  const config = readConfig(env);
  const resolver = resolverFor(env);
  for (const { domain, port } of due) {
    try {
      // The badge's own settings: its port and the whole catalogue, whatever others asked since.
      const { check } = await startCheck(env, config, resolver, { domain, port });
      await markRechecked(db, domain, check.createdAt);
    } catch (error) {
      const why = error instanceof ApiException ? `${error.code}: ${error.message}` : error;
      console.warn(`badge re-check of ${domain} could not start:`, why);
      // Later than the newest check of the domain, which is older than `now - interval`.
      await markRechecked(db, domain, now);
    }
  }
}
