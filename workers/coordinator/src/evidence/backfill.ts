import { asc, eq, sql } from "drizzle-orm";
import type { CaseResult } from "../../../../shared/schemas/probe-result.ts";
import { runBatch } from "../db/batch.ts";
import { packCases } from "../db/case-outcomes.ts";
import { type Database, openDatabase } from "../db/client.ts";
import {
  type CaseRow,
  caseResults,
  caseSets,
  checks,
  transcripts,
  vantageResults,
} from "../db/schema.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { nonceOfToken } from "../proof/tokens.ts";
import { retentionCutoffs } from "./retention.ts";
import { putEvidence } from "./store.ts";

/*
 * The move of rows stored before evidence went to R2: each vantage's `transcripts` row and
 * `case_results` rows become an R2 object and packed outcomes, then are deleted from D1, one
 * vantage per D1 batch and at most VANTAGES_PER_BACKFILL per cron run. It resumes by itself:
 * what is left in the legacy tables is what is left to move, and a vantage interrupted between
 * its object and its batch is moved again onto the same key. Evidence or outcomes already past
 * their retention are not moved, only deleted.
 */

export const VANTAGES_PER_BACKFILL = 20;
/** Legacy objects have one answer each: a fixed id makes a repeated move overwrite, not add. */
export const LEGACY_EVIDENCE_ID = "legacy";

/** Scheduled: moves the next few legacy vantages; returns how many it moved. */
export async function backfillEvidence(
  env: CoordinatorEnv,
  now: number,
  config: CoordinatorConfig,
): Promise<number> {
  const db = openDatabase(env.DB);
  const cutoffs = retentionCutoffs(config.retention, now);
  const ids = await legacyVantageIds(db, VANTAGES_PER_BACKFILL);
  for (const id of ids) await moveVantage(db, env.EVIDENCE, id, cutoffs);
  return ids.length;
}

/** Vantages with rows in either legacy table, each table read through its own index. */
export async function legacyVantageIds(db: Database, limit: number): Promise<string[]> {
  const withTranscript = await db
    .select({ id: transcripts.vantageResultId })
    .from(transcripts)
    .limit(limit);
  if (withTranscript.length >= limit) return withTranscript.map((row) => row.id);
  const withCases = await db
    .selectDistinct({ id: caseResults.vantageResultId })
    .from(caseResults)
    .limit(limit);
  return [...new Set([...withTranscript, ...withCases].map((row) => row.id))].slice(0, limit);
}

async function moveVantage(
  db: Database,
  bucket: R2Bucket,
  vantageId: string,
  cutoffs: { evidenceBefore: number; outcomesBefore: number },
): Promise<void> {
  const [[vantage], caseRows, [transcript]] = await db.batch([
    db
      .select({ row: vantageResults, createdAt: checks.createdAt })
      .from(vantageResults)
      .innerJoin(checks, eq(vantageResults.checkId, checks.id))
      .where(eq(vantageResults.id, vantageId)),
    db
      .select()
      .from(caseResults)
      .where(eq(caseResults.vantageResultId, vantageId))
      .orderBy(asc(caseResults.id)),
    db.select().from(transcripts).where(eq(transcripts.vantageResultId, vantageId)),
  ]);
  if (!vantage) return;
  const { row, createdAt } = vantage;
  const cases = caseRows.map(caseResultOf);
  const nonce = row.tokenNonce ?? nonceOfToken(cases[0]?.token ?? "");
  const ref = { checkId: row.checkId, vantageId, evidenceId: LEGACY_EVIDENCE_ID };
  if (createdAt >= cutoffs.evidenceBefore) {
    await putEvidence(bucket, ref, {
      version: 1,
      names: row.names,
      extensions: row.extensions,
      tls: row.tls,
      cases,
      connections: [],
      transcript: transcript?.lines ?? [],
    });
  }
  const packed =
    cases.length > 0 && createdAt >= cutoffs.outcomesBefore ? packCases(cases, nonce) : null;
  // A nonce is only taken over when no other vantage holds it (the index is unique).
  const tokenNonce =
    nonce === null
      ? sql`${vantageResults.tokenNonce}`
      : sql`coalesce(${vantageResults.tokenNonce}, (select ${nonce} where not exists (select 1 from ${vantageResults} where ${vantageResults.tokenNonce} = ${nonce})))`;
  const addCaseSet = packed
    ? [db.insert(caseSets).values({ cases: packed.caseSet }).onConflictDoNothing()]
    : [];
  await runBatch(db, [
    ...addCaseSet,
    db
      .update(vantageResults)
      .set({
        caseSetId:
          packed === null
            ? null
            : sql`(select ${caseSets.id} from ${caseSets} where ${caseSets.cases} = ${packed.caseSet})`,
        outcomes: packed?.outcomes ?? null,
        evidenceId: cases.length > 0 || transcript ? LEGACY_EVIDENCE_ID : null,
        tokenNonce,
        names: null,
        extensions: null,
        tls: null,
      })
      .where(eq(vantageResults.id, vantageId)),
    db.delete(caseResults).where(eq(caseResults.vantageResultId, vantageId)),
    db.delete(transcripts).where(eq(transcripts.vantageResultId, vantageId)),
  ]);
}

function caseResultOf(row: CaseRow): CaseResult {
  return {
    id: row.caseId,
    mailFrom: row.mailFrom,
    rcptTo: row.rcptTo,
    recipientKind: row.recipientKind,
    token: row.token,
    outcome: row.outcome,
    step: row.step,
    reply:
      row.replyCode === null
        ? null
        : { code: row.replyCode, enhanced: row.replyEnhanced, text: row.replyText ?? "" },
    note: row.note,
    conn: row.conn,
    attempts: row.attempts,
    data:
      row.dataReplyCode === null
        ? null
        : {
            code: row.dataReplyCode,
            enhanced: row.dataReplyEnhanced,
            text: row.dataReplyText ?? "",
          },
  };
}
