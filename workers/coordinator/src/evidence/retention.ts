import { eq, inArray, isNotNull, sql } from "drizzle-orm";
import { type Database, openDatabase } from "../db/client.ts";
import { canaryDeliveries, checks, retentionMarks, vantageResults } from "../db/schema.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { deleteEvidence } from "./store.ts";

/*
 * Retention: evidence in R2 goes after TRANSCRIPT_RETENTION_DAYS, packed case outcomes (and the
 * canary arrivals linked to them) after OUTCOME_RETENTION_DAYS; checks and vantage verdicts stay,
 * so badges, histories and batch results never lose what they read. Each sweep walks the checks
 * table in rowid order from where the last one stopped (retention_marks), at most
 * CHECKS_PER_SWEEP checks, so a cron run stays small whatever the backlog. The bucket's lifecycle
 * rule (README) is the backstop for objects a sweep never reached.
 */

/** Checks one sweep may expire per kind: with a few vantages each, well under R2's 1,000 keys. */
export const CHECKS_PER_SWEEP = 100;

const DAY_MS = 24 * 60 * 60 * 1000;

/** TRANSCRIPT_RETENTION_DAYS and OUTCOME_RETENTION_DAYS. */
export type RetentionPolicy = CoordinatorConfig["retention"];

/** Oldest creation time whose evidence and outcomes are still kept. */
export function retentionCutoffs(policy: RetentionPolicy, now: number) {
  return {
    evidenceBefore: now - policy.transcriptDays * DAY_MS,
    outcomesBefore: now - policy.outcomeDays * DAY_MS,
  };
}

/** Scheduled: one bounded step of each retention sweep. */
export async function sweepRetention(
  env: CoordinatorEnv,
  now: number,
  config: CoordinatorConfig,
): Promise<void> {
  const db = openDatabase(env.DB);
  const { evidenceBefore, outcomesBefore } = retentionCutoffs(config.retention, now);
  await expireEvidence(db, env.EVIDENCE, evidenceBefore, CHECKS_PER_SWEEP);
  await expireOutcomes(db, outcomesBefore, CHECKS_PER_SWEEP);
}

type MarkName = "evidence" | "outcomes";

/**
 * The next checks, in rowid order after the mark, created before `before`: at most `limit`,
 * and only the leading run of them, since rowids follow creation. Returns the rowid range.
 */
async function nextExpired(
  db: Database,
  name: MarkName,
  before: number,
  limit: number,
): Promise<{ after: number; through: number; count: number } | null> {
  const mark = await db.select().from(retentionMarks).where(eq(retentionMarks.name, name)).get();
  const after = mark?.lastRowid ?? 0;
  const rows = await expiryScanQuery(db, after, limit);
  let through = after;
  let count = 0;
  for (const row of rows) {
    if (row.createdAt >= before) break;
    through = row.rowid;
    count += 1;
  }
  return count === 0 ? null : { after, through, count };
}

/** The walk of one sweep step, exposed so a test can EXPLAIN it: a rowid range, no scan. */
export function expiryScanQuery(db: Database, after: number, limit: number) {
  return db
    .select({ rowid: sql<number>`${checks}.rowid`, createdAt: checks.createdAt })
    .from(checks)
    .where(sql`${checks}.rowid > ${after}`)
    .orderBy(sql`${checks}.rowid`)
    .limit(limit);
}

function checksInRange(db: Database, range: { after: number; through: number }) {
  return db
    .select({ id: checks.id })
    .from(checks)
    .where(sql`${checks}.rowid > ${range.after} and ${checks}.rowid <= ${range.through}`);
}

function advanceMark(db: Database, name: MarkName, through: number) {
  return db
    .insert(retentionMarks)
    .values({ name, lastRowid: through })
    .onConflictDoUpdate({ target: retentionMarks.name, set: { lastRowid: through } });
}

/** Deletes the R2 evidence of the next expired checks; returns how many checks it passed. */
export async function expireEvidence(
  db: Database,
  bucket: R2Bucket,
  before: number,
  limit: number,
): Promise<number> {
  const range = await nextExpired(db, "evidence", before, limit);
  if (range === null) return 0;
  const refs = await db
    .select({
      checkId: vantageResults.checkId,
      vantageId: vantageResults.id,
      evidenceId: vantageResults.evidenceId,
    })
    .from(vantageResults)
    .where(
      sql`${inArray(vantageResults.checkId, checksInRange(db, range))} and ${isNotNull(vantageResults.evidenceId)}`,
    );
  // Objects first: a failure here leaves the mark where it was, and the next sweep retries.
  await deleteEvidence(
    bucket,
    refs.flatMap((ref) =>
      ref.evidenceId === null ? [] : [{ ...ref, evidenceId: ref.evidenceId }],
    ),
  );
  await advanceMark(db, "evidence", range.through);
  return range.count;
}

/** Clears the packed outcomes and canary arrivals of the next expired checks. */
export async function expireOutcomes(db: Database, before: number, limit: number): Promise<number> {
  const range = await nextExpired(db, "outcomes", before, limit);
  if (range === null) return 0;
  await db.batch([
    db
      .update(vantageResults)
      .set({ caseSetId: null, outcomes: null })
      .where(inArray(vantageResults.checkId, checksInRange(db, range))),
    db.delete(canaryDeliveries).where(inArray(canaryDeliveries.checkId, checksInRange(db, range))),
    advanceMark(db, "outcomes", range.through),
  ]);
  return range.count;
}
