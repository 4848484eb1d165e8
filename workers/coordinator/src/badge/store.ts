import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import type { HistoryEntry } from "../../../../shared/schemas/api.ts";
import { SMTP_PORT } from "../../../../shared/smtp/ports.ts";
import type { Database } from "../db/client.ts";
import { badgeDomains, checks, domains, publicListings, vantageResults } from "../db/schema.ts";
import { nodesListedAt } from "../probes/listings.ts";
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

/** The port a badge is about: 25, unless the owner's verified listing names another. */
export async function badgePortOf(db: Database, domain: string): Promise<number> {
  const listing = await db
    .select({ port: publicListings.port })
    .from(publicListings)
    .where(and(eq(publicListings.domain, domain), isNotNull(publicListings.verifiedAt)))
    .get();
  return listing?.port ?? SMTP_PORT;
}

/**
 * Checks that may speak for a badge: of this domain, on the badge's port, with the whole
 * catalogue. A partial check (`cases`) or one of another port never changes the badge.
 */
function badgeChecks(domain: string, port: number) {
  return and(
    eq(checks.domainId, domainIdOf(domain)),
    sql`coalesce(${checks.port}, ${SMTP_PORT}) = ${port}`,
    sql`json_extract(${checks.mx}, '$.caseIds') is null`,
  );
}

interface LatestFinished extends FinishedCheck {
  id: string;
  createdAt: number;
}

async function latestFinishedCheck(
  db: Database,
  domain: string,
  port: number,
): Promise<LatestFinished | null> {
  const row = await db
    .select()
    .from(checks)
    .where(and(badgeChecks(domain, port), isNotNull(checks.finishedAt)))
    .orderBy(desc(checks.createdAt))
    .get();
  if (!row || row.finishedAt === null) return null;
  return { ...row, finishedAt: row.finishedAt };
}

/** The check a domain's badge rests on: its latest finished badge check; null when none. */
export async function latestBadgeCheck(
  db: Database,
  domain: string,
): Promise<LatestFinished | null> {
  return latestFinishedCheck(db, domain, await badgePortOf(db, domain));
}

/** When the domain's newest badge check of any status was created; null when it has none. */
async function latestCheckCreatedAt(
  db: Database,
  domain: string,
  port: number,
): Promise<number | null> {
  const row = await db
    .select({ createdAt: checks.createdAt })
    .from(checks)
    .where(badgeChecks(domain, port))
    .orderBy(desc(checks.createdAt))
    .get();
  return row?.createdAt ?? null;
}

/** Everything the badge decision needs, read from D1. */
export async function loadBadgeEvidence(db: Database, domain: string): Promise<BadgeEvidence> {
  const port = await badgePortOf(db, domain);
  const latest = await latestFinishedCheck(db, domain, port);
  if (latest === null) return { latest: null, vantages: [], recheckFailed: false };
  const [vantages, badge, newestCreatedAt] = await Promise.all([
    db
      .select({
        nodeId: vantageResults.nodeId,
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
    latestCheckCreatedAt(db, domain, port),
  ]);
  // A successful re-check stamps last_recheck_at with its check's creation time; a re-check
  // that could not start stamps it later than any check (see recheck.ts).
  const recheckFailed =
    badge?.lastRecheckAt != null &&
    newestCreatedAt !== null &&
    badge.lastRecheckAt > newestCreatedAt;
  const listed = await nodesListedAt(
    db,
    vantages.map((vantage) => vantage.nodeId),
    latest.createdAt,
  );
  return { latest, vantages, recheckFailed, listedNodes: new Set(listed.keys()) };
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
  /** The badge's own port (its verified listing's, else 25), never that of the latest check. */
  port: number;
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
  // The newest check that speaks for the badge: on its port, with the whole catalogue.
  return db.all<RecheckCandidate>(sql`
    select domain, port from (
      select q.domain as domain, q.last_recheck_at as last_recheck_at, q.port as port,
        (select c.created_at from checks c
          where c.domain_id = (select d.id from domains d where d.name = q.domain)
            and coalesce(c.port, ${SMTP_PORT}) = q.port
            and json_extract(c.mx_json, '$.caseIds') is null
          order by c.created_at desc limit 1) as newest_created_at
      from (
        select b.domain as domain, b.last_recheck_at as last_recheck_at,
          coalesce((select l.port from public_listings l
            where l.domain = b.domain and l.verified_at is not null), ${SMTP_PORT}) as port
        from badge_domains b
        where b.last_served_at >= ${servedSince}
          and coalesce(b.last_recheck_at, 0) < ${staleBefore}) q)
    where coalesce(newest_created_at, 0) < ${staleBefore}
    order by coalesce(last_recheck_at, 0), newest_created_at
    limit ${limit}`);
}

export async function markRechecked(db: Database, domain: string, at: number): Promise<void> {
  await db.update(badgeDomains).set({ lastRecheckAt: at }).where(eq(badgeDomains.domain, domain));
}
