import { and, asc, eq, sql } from "drizzle-orm";
import { replyLine } from "../../../../shared/probe/summaries.ts";
import type { ProbeResult } from "../../../../shared/schemas/probe-result.ts";
import type { ProbeResponse, RunLocation } from "../../../../shared/schemas/protocol.ts";
import { linkEarlyArrivals, logDroppedEarlyArrivals } from "../proof/deliveries.ts";
import { chunk, rowsPerInsert } from "./batch.ts";
import type { Database } from "./client.ts";
import {
  caseResults,
  type NewCaseRow,
  transcripts,
  type VantageRow,
  type VantageStatus,
  vantageResults,
} from "./schema.ts";

const PENDING: VantageStatus = "pending";

export async function findVantage(db: Database, vantageId: string): Promise<VantageRow | null> {
  return (
    (await db.select().from(vantageResults).where(eq(vantageResults.id, vantageId)).get()) ?? null
  );
}

/** A check's vantages in the order the check planned them. */
export async function listVantages(db: Database, checkId: string): Promise<VantageRow[]> {
  return db
    .select()
    .from(vantageResults)
    .where(eq(vantageResults.checkId, checkId))
    .orderBy(asc(sql`${vantageResults}.rowid`));
}

/**
 * Stores a node's answer for a pending vantage: its verdict, cases and transcript, all in one
 * batch. Returns false, writing nothing, when the vantage already has its outcome: a queue
 * message delivered twice, or an answer that arrived after the deadline failed the vantage (the
 * check's verdict was computed without it, so it must not change underneath that verdict).
 */
export async function saveVantageResult(
  db: Database,
  vantageId: string,
  response: ProbeResponse,
  now: number,
  /** Where the probe ran: the node's word, unless Cloudflare's placement header said better. */
  location: RunLocation = response.location,
): Promise<boolean> {
  const vantage = await findVantage(db, vantageId);
  if (!vantage) throw new Error(`no vantage ${vantageId}`);
  if (vantage.status !== PENDING) return false;
  if (response.node.nodeId !== vantage.nodeId) {
    throw new Error(
      `vantage ${vantageId} belongs to node ${vantage.nodeId}, but node ${response.node.nodeId} answered for it`,
    );
  }
  const { result } = response;
  const caseRows = result.cases.map(
    (probeCase): NewCaseRow => ({
      vantageResultId: vantageId,
      caseId: probeCase.id,
      mailFrom: probeCase.mailFrom,
      rcptTo: probeCase.rcptTo,
      recipientKind: probeCase.recipientKind,
      token: probeCase.token,
      outcome: probeCase.outcome,
      step: probeCase.step,
      replyCode: probeCase.reply?.code ?? null,
      replyEnhanced: probeCase.reply?.enhanced ?? null,
      replyText: probeCase.reply?.text ?? null,
      dataReplyCode: probeCase.data?.code ?? null,
      dataReplyEnhanced: probeCase.data?.enhanced ?? null,
      dataReplyText: probeCase.data?.text ?? null,
      note: probeCase.note,
      conn: probeCase.conn,
      attempts: probeCase.attempts,
    }),
  );
  const linking = linkEarlyArrivals(db, vantageId, vantage.checkId);
  let results: unknown[];
  try {
    results = await db.batch([
      claimWithTranscript(db, vantageId, result),
      db
        .update(vantageResults)
        .set({
          status: "done",
          verdict: result.verdict,
          reason: result.reason,
          ...probeTimes(result, now),
          banner: result.banner ? replyLine(result.banner) : null,
          tls: result.tls,
          extensions: result.extensions,
          names: result.names,
          locationKind: location.kind,
          location: location.name,
        })
        .where(and(eq(vantageResults.id, vantageId), eq(vantageResults.status, PENDING))),
      ...chunk(caseRows, rowsPerInsert(caseResults)).map((rows) =>
        db.insert(caseResults).values(rows),
      ),
      ...linking,
    ]);
  } catch (error) {
    const current = await findVantage(db, vantageId);
    if (current && current.status !== PENDING) return false;
    throw error;
  }
  // The drop is the second of the linking statements, which close the batch.
  logDroppedEarlyArrivals(vantageId, results.at(1 - linking.length));
  return true;
}

/**
 * The transcript insert opens the batch and doubles as its guard. It fails, rolling back the
 * whole batch, when another delivery already stored a transcript (primary key) or when the
 * vantage stopped being pending after this request read it (NULL into a NOT NULL column). The
 * read-then-write in `saveVantageResult` alone would let a concurrent delivery duplicate the
 * case rows.
 */
function claimWithTranscript(db: Database, vantageId: string, result: ProbeResult) {
  const stillPending = sql`(select ${vantageResults.status} from ${vantageResults} where ${vantageResults.id} = ${vantageId}) = ${PENDING}`;
  return db.insert(transcripts).values({
    vantageResultId: vantageId,
    lines: sql`(case when ${stillPending} then ${JSON.stringify(result.transcript)} end)`,
  });
}

function probeTimes(result: ProbeResult, now: number) {
  const durationMs = Math.round(result.durationMs);
  const finishedAt = parseTime(result.finishedAt) ?? now;
  const startedAt = parseTime(result.startedAt) ?? finishedAt - durationMs;
  return { startedAt, finishedAt, durationMs };
}

function parseTime(iso: string): number | null {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** A reply as it reads on the wire, minus the continuation dashes: "220 mx.example.com ESMTP". */
/** The UPDATE that fails a still-pending vantage, for use alone or inside a batch. */
export function failPendingVantage(db: Database, vantageId: string, reason: string, now: number) {
  return db
    .update(vantageResults)
    .set({ status: "failed", verdict: "inconclusive", reason, finishedAt: now })
    .where(and(eq(vantageResults.id, vantageId), eq(vantageResults.status, PENDING)));
}

/**
 * Gives up on a vantage (node unreachable, retries exhausted): failed and inconclusive, with the
 * reason. False, changing nothing, when the vantage already has its outcome.
 */
export async function failVantage(
  db: Database,
  vantageId: string,
  reason: string,
  now: number,
): Promise<boolean> {
  const failed = await failPendingVantage(db, vantageId, reason, now).returning({
    id: vantageResults.id,
  });
  return failed.length > 0;
}
