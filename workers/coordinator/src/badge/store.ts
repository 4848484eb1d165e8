import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import type { HistoryEntry } from "../../../../shared/schemas/api.ts";
import type { Database } from "../db/client.ts";
import { badgeDomains, checks, domains, vantageResults } from "../db/schema.ts";
import type { BadgeEvidence, FinishedCheck } from "./evidence.ts";

/** The id of a domain's row, as a scalar subquery (the index on checks is by domain id). */
function domainIdOf(domain: string) {
  return sql`(select ${domains.id} from ${domains} where ${domains.name} = ${domain})`;
}

/** The latest `limit` finished checks (done or failed) of a domain, newest first. */
export async function verdictHistory(
  db: Database,
  domain: string,
  limit: number,
): Promise<HistoryEntry[]> {
  const rows = await db
    .select({
      id: checks.id,
      status: checks.status,
      verdict: checks.verdict,
      createdAt: checks.createdAt,
      finishedAt: checks.finishedAt,
    })
    .from(checks)
    .where(and(eq(checks.domainId, domainIdOf(domain)), isNotNull(checks.finishedAt)))
    .orderBy(desc(checks.createdAt))
    .limit(limit);
  return rows.map((row) => ({ ...row, finishedAt: row.finishedAt ?? row.createdAt }));
}

interface LatestFinished extends FinishedCheck {
  id: string;
  createdAt: number;
}

async function latestFinishedCheck(db: Database, domain: string): Promise<LatestFinished | null> {
  const row = await db
    .select()
    .from(checks)
    .where(and(eq(checks.domainId, domainIdOf(domain)), isNotNull(checks.finishedAt)))
    .orderBy(desc(checks.createdAt))
    .get();
  if (!row || row.finishedAt === null) return null;
  return { ...row, finishedAt: row.finishedAt };
}

/** When the domain's newest check of any status was created; null when it has none. */
async function latestCheckCreatedAt(db: Database, domain: string): Promise<number | null> {
  const row = await db
    .select({ createdAt: checks.createdAt })
    .from(checks)
    .where(eq(checks.domainId, domainIdOf(domain)))
    .orderBy(desc(checks.createdAt))
    .get();
  return row?.createdAt ?? null;
}

/** Everything the badge decision needs, read from D1. */
export async function loadBadgeEvidence(db: Database, domain: string): Promise<BadgeEvidence> {
  const latest = await latestFinishedCheck(db, domain);
  if (latest === null) return { latest: null, vantages: [], recheckFailed: false };
  const [vantages, badge, newestCreatedAt] = await Promise.all([
    db
      .select({
        address: vantageResults.address,
        region: vantageResults.region,
        location: vantageResults.location,
        inside: vantageResults.inside,
        status: vantageResults.status,
        verdict: vantageResults.verdict,
      })
      .from(vantageResults)
      .where(eq(vantageResults.checkId, latest.id)),
    db.select().from(badgeDomains).where(eq(badgeDomains.domain, domain)).get(),
    latestCheckCreatedAt(db, domain),
  ]);
  // A successful re-check stamps last_recheck_at with its check's creation time; a re-check
  // that could not start stamps it later than any check (see recheck.ts).
  const recheckFailed =
    badge?.lastRecheckAt != null &&
    newestCreatedAt !== null &&
    badge.lastRecheckAt > newestCreatedAt;
  return { latest, vantages, recheckFailed };
}

/**
 * Notes that the badge of `domain` was served, but only for a domain with at least one check:
 * anyone can ask for the badge of any name, and random names must not fill the table.
 */
export async function recordBadgeServed(db: Database, domain: string, now: number) {
  await db.run(sql`
    insert into ${badgeDomains} (domain, first_served_at, last_served_at)
    select ${domain}, ${now}, ${now}
    where exists (select 1 from ${checks} where ${checks.domainId} = ${domainIdOf(domain)})
    on conflict (domain) do update set last_served_at = excluded.last_served_at`);
}

export interface RecheckCandidate {
  domain: string;
  /** The port of the domain's latest check, so a badge for port 587 re-checks port 587. */
  port: number | null;
}

/**
 * Badge domains served since `servedSince` whose newest check, and last re-check attempt, are
 * both older than `staleBefore`: the longest-waiting first, at most `limit`. Driven from
 * badge_domains, with each domain's newest check found by a walk of `checks_domain_created_idx`,
 * so the cost follows the number of badges, not the size of the checks table.
 */
export async function badgeDomainsDueForRecheck(
  db: Database,
  servedSince: number,
  staleBefore: number,
  limit: number,
): Promise<RecheckCandidate[]> {
  const newest = (column: "created_at" | "port") =>
    sql.raw(`(
      select c.${column} from checks c
      where c.domain_id = (select d.id from domains d where d.name = b.domain)
      order by c.created_at desc limit 1)`);
  return db.all<RecheckCandidate>(sql`
    select domain, port from (
      select b.domain as domain, b.last_recheck_at as last_recheck_at,
        ${newest("created_at")} as newest_created_at, ${newest("port")} as port
      from badge_domains b
      where b.last_served_at >= ${servedSince}
        and coalesce(b.last_recheck_at, 0) < ${staleBefore})
    where newest_created_at < ${staleBefore}
    order by coalesce(last_recheck_at, 0), newest_created_at
    limit ${limit}`);
}

export async function markRechecked(db: Database, domain: string, at: number): Promise<void> {
  await db.update(badgeDomains).set({ lastRecheckAt: at }).where(eq(badgeDomains.domain, domain));
}
