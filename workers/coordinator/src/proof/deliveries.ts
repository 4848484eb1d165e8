import { asc, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import {
  type CanaryDeliveryRow,
  canaryDeliveries,
  caseResults,
  checks,
  vantageResults,
} from "../db/schema.ts";
import { confirmProof } from "./state.ts";

/** A case a canary message may prove: accepted, in a check that asked for proof. */
export interface ProvableCase {
  token: string;
  caseResultId: number;
  vantageResultId: string;
  checkId: string;
}

/**
 * The first candidate token that names an accepted case of a check with proof; null when none
 * does (unknown, forged, a refused case's token, or a check that never asked for proof).
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
  return null;
}

export interface ArrivedMessage {
  receivedAt: number;
  mailFrom: string;
  receivedChain: string[];
  messageId: string | null;
  size: number;
}

/**
 * Records an arrival and confirms the check's proof in one batch. The token is unique, so a
 * message delivered twice is stored once; a late one (after `unconfirmed`) still confirms.
 */
export async function recordDelivery(
  db: Database,
  provable: ProvableCase,
  message: ArrivedMessage,
): Promise<void> {
  await db.batch([
    db
      .insert(canaryDeliveries)
      .values({ ...provable, ...message })
      .onConflictDoNothing({ target: canaryDeliveries.token }),
    confirmProof(db, provable.checkId),
  ]);
}

/** A check's arrivals, by case result id, for its report. */
export async function deliveriesOfCheck(
  db: Database,
  checkId: string,
): Promise<Map<number, CanaryDeliveryRow>> {
  const rows = await db
    .select()
    .from(canaryDeliveries)
    .where(eq(canaryDeliveries.checkId, checkId))
    .orderBy(asc(canaryDeliveries.id));
  return new Map(rows.map((row) => [row.caseResultId, row]));
}
