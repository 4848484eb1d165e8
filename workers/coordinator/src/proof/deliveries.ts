import { and, asc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import {
  type CanaryDeliveryRow,
  canaryDeliveries,
  caseResults,
  checks,
  vantageResults,
} from "../db/schema.ts";
import { confirmProofIfDelivered } from "./state.ts";
import { nonceOfToken } from "./tokens.ts";

/**
 * A case a canary message may prove: an accepted case of a check with proof, or (caseResultId
 * null) a token of a vantage whose probe is still running, when the message outran its answer.
 */
export interface ProvableCase {
  token: string;
  caseResultId: number | null;
  vantageResultId: string;
  checkId: string;
  /** When the check was created: the late-arrival bound counts from it. */
  checkCreatedAt: number;
}

/**
 * The first candidate token that names an accepted case of a check with proof, else the first
 * whose nonce belongs to a still-pending vantage of such a check; null when none does (unknown,
 * forged, a refused case's token, or a check that never asked for proof).
 */
export async function findProvableCase(
  db: Database,
  candidates: string[],
): Promise<ProvableCase | null> {
  if (candidates.length === 0) return null;
  const rows = await db
    .select({
      token: caseResults.token,
      caseResultId: caseResults.id,
      vantageResultId: vantageResults.id,
      checkId: checks.id,
      checkCreatedAt: checks.createdAt,
      outcome: caseResults.outcome,
      proof: checks.proof,
    })
    .from(caseResults)
    .innerJoin(vantageResults, eq(caseResults.vantageResultId, vantageResults.id))
    .innerJoin(checks, eq(vantageResults.checkId, checks.id))
    .where(inArray(caseResults.token, candidates));
  for (const token of candidates) {
    const match = rows.find(
      (row) => row.token === token && row.outcome === "accepted" && row.proof !== null,
    );
    if (match) {
      const { outcome: _outcome, proof: _proof, ...provable } = match;
      return provable;
    }
  }
  return findRunningVantageCase(db, candidates);
}

async function findRunningVantageCase(
  db: Database,
  candidates: string[],
): Promise<ProvableCase | null> {
  const nonces = candidates.map(nonceOfToken).filter((nonce) => nonce !== null);
  if (nonces.length === 0) return null;
  const running = await db
    .select({
      vantageResultId: vantageResults.id,
      checkId: checks.id,
      checkCreatedAt: checks.createdAt,
      nonce: vantageResults.tokenNonce,
    })
    .from(vantageResults)
    .innerJoin(checks, eq(vantageResults.checkId, checks.id))
    .where(
      and(
        inArray(vantageResults.tokenNonce, nonces),
        eq(vantageResults.status, "pending"),
        isNotNull(checks.proof),
      ),
    );
  for (const token of candidates) {
    const vantage = running.find((row) => row.nonce === nonceOfToken(token));
    if (vantage) {
      return {
        token,
        caseResultId: null,
        vantageResultId: vantage.vantageResultId,
        checkId: vantage.checkId,
        checkCreatedAt: vantage.checkCreatedAt,
      };
    }
  }
  return null;
}

export interface ArrivedMessage {
  receivedAt: number;
  mailFrom: string;
  receivedChain: string[];
  /** The hop that handed the message to the canary domain (see email.ts handingOverHop). */
  handedOverBy: string | null;
  messageId: string | null;
  size: number;
}

/**
 * Records an arrival and confirms the check's proof in one batch. The token is unique, so a
 * message delivered twice is stored once; a late one (after `unconfirmed`) still confirms. One
 * that outran its vantage's answer is linked to its case inside the insert, in case the answer
 * was stored since the lookup; otherwise storing the answer links it (see linkEarlyArrivals).
 */
export async function recordDelivery(
  db: Database,
  provable: ProvableCase,
  message: ArrivedMessage,
): Promise<void> {
  const { checkCreatedAt: _createdAt, ...delivery } = provable;
  const caseResultId =
    provable.caseResultId ??
    sql`(select ${caseResults.id} from ${caseResults} where ${caseResults.token} = ${provable.token} and ${caseResults.outcome} = 'accepted')`;
  await db.batch([
    db
      .insert(canaryDeliveries)
      .values({ ...delivery, caseResultId, ...message })
      .onConflictDoNothing({ target: canaryDeliveries.token }),
    confirmProofIfDelivered(db, provable.checkId),
  ]);
}

/**
 * For the batch that stores a vantage's answer: canary messages that arrived before it are
 * linked to their accepted cases, the rest (a token no accepted case carries) are dropped, and
 * the check's proof is confirmed when one was linked. The drop returns the dropped tokens, for
 * the log (see logDroppedEarlyArrivals).
 */
export function linkEarlyArrivals(db: Database, vantageResultId: string, checkId: string) {
  const unlinked = and(
    eq(canaryDeliveries.vantageResultId, vantageResultId),
    isNull(canaryDeliveries.caseResultId),
  );
  return [
    db
      .update(canaryDeliveries)
      .set({
        caseResultId: sql`(select ${caseResults.id} from ${caseResults} where ${caseResults.token} = ${canaryDeliveries.token} and ${caseResults.vantageResultId} = ${vantageResultId} and ${caseResults.outcome} = 'accepted')`,
      })
      .where(unlinked),
    db.delete(canaryDeliveries).where(unlinked).returning({ token: canaryDeliveries.token }),
    confirmProofIfDelivered(db, checkId),
  ] as const;
}

/** A check's arrivals, by case result id, for its report. */
export async function deliveriesOfCheck(
  db: Database,
  checkId: string,
): Promise<Map<number, CanaryDeliveryRow>> {
  const rows = await db
    .select()
    .from(canaryDeliveries)
    .where(and(eq(canaryDeliveries.checkId, checkId), isNotNull(canaryDeliveries.caseResultId)))
    .orderBy(asc(canaryDeliveries.id));
  return new Map(rows.map((row) => [row.caseResultId ?? 0, row]));
}

/** Logs the early arrivals a vantage's answer did not vouch for: the batch result of the drop. */
export function logDroppedEarlyArrivals(vantageResultId: string, dropped: unknown): void {
  const tokens = Array.isArray(dropped)
    ? dropped.map((row) => (row as { token?: unknown }).token).filter((t) => typeof t === "string")
    : [];
  if (tokens.length === 0) return;
  console.warn(
    `canary mail dropped: ${tokens.join(", ")} arrived before vantage ${vantageResultId} answered, and its answer has no accepted case with that token`,
  );
}
