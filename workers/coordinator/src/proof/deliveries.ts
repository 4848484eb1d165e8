import { and, asc, eq, inArray, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { type PackedCase, tokenOf, unpackCases } from "../db/case-outcomes.ts";
import type { Database } from "../db/client.ts";
import {
  type CanaryDeliveryRow,
  canaryDeliveries,
  caseSets,
  checks,
  vantageResults,
} from "../db/schema.ts";
import { confirmProofIfDelivered } from "./state.ts";
import { nonceOfToken } from "./tokens.ts";

/**
 * A case a canary message may prove: an accepted case of a check with proof, or (caseIndex
 * null) a token of a vantage whose probe is still running, when the message outran its answer.
 */
export interface ProvableCase {
  token: string;
  caseIndex: number | null;
  vantageResultId: string;
  checkId: string;
  /** When the check was created: the late-arrival bound counts from it. */
  checkCreatedAt: number;
}

/**
 * Why no candidate proves a case: no vantage has its nonce (forged, or made by no job of ours),
 * its check did not ask for delivery proof (its probe still sends canary messages: the server's
 * answer to DATA decides a relay), or it names no accepted case (a refused case, a probe over).
 */
export type Unprovable = "unknown" | "proof not asked" | "not accepted";

/**
 * The first candidate token that names an accepted case of a check with proof, else the first
 * whose nonce belongs to a still-pending vantage of such a check; else why none does. A token
 * names its vantage by nonce (vantage_results_token_nonce_idx) and its case by suffix.
 */
export async function findProvableCase(
  db: Database,
  candidates: string[],
): Promise<ProvableCase | Unprovable> {
  const nonces = [...new Set(candidates.map(nonceOfToken).filter((nonce) => nonce !== null))];
  if (nonces.length === 0) return "unknown";
  const known = await db
    .select({
      vantageResultId: vantageResults.id,
      checkId: vantageResults.checkId,
      checkCreatedAt: checks.createdAt,
      proof: checks.proof,
      nonce: vantageResults.tokenNonce,
      status: vantageResults.status,
      caseSet: caseSets.cases,
      outcomes: vantageResults.outcomes,
    })
    .from(vantageResults)
    .innerJoin(checks, eq(vantageResults.checkId, checks.id))
    .leftJoin(caseSets, eq(vantageResults.caseSetId, caseSets.id))
    .where(inArray(vantageResults.tokenNonce, nonces));
  if (known.length === 0) return "unknown";
  const vantages = known.filter((vantage) => vantage.proof !== null);
  if (vantages.length === 0) return "proof not asked";
  const vantageOf = (token: string) =>
    vantages.find((vantage) => vantage.nonce === nonceOfToken(token));
  for (const token of candidates) {
    const vantage = vantageOf(token);
    if (vantage?.status !== "done") continue;
    const accepted = acceptedTokens(
      unpackCases(vantage.caseSet, vantage.outcomes),
      vantage.nonce,
    ).find((entry) => entry.token === token);
    if (accepted) {
      const { vantageResultId, checkId, checkCreatedAt } = vantage;
      return { token, caseIndex: accepted.index, vantageResultId, checkId, checkCreatedAt };
    }
  }
  for (const token of candidates) {
    const vantage = vantageOf(token);
    if (vantage?.status === "pending") {
      const { vantageResultId, checkId, checkCreatedAt } = vantage;
      return { token, caseIndex: null, vantageResultId, checkId, checkCreatedAt };
    }
  }
  return "not accepted";
}

/** The tokens of a vantage's accepted cases, with their positions. */
export function acceptedTokens(cases: readonly PackedCase[], nonce: string | null) {
  return cases.flatMap((packed) => {
    const token = tokenOf(packed, nonce);
    return packed.outcome === "accepted" && token !== null ? [{ token, index: packed.index }] : [];
  });
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
 * that outran its vantage's answer stays unlinked until the answer is stored (linkEarlyArrivals);
 * if the answer was stored since the lookup, it is linked here.
 */
export async function recordDelivery(
  db: Database,
  provable: ProvableCase,
  message: ArrivedMessage,
): Promise<void> {
  const { checkCreatedAt: _createdAt, ...delivery } = provable;
  await db.batch([
    db
      .insert(canaryDeliveries)
      .values({ ...delivery, ...message })
      .onConflictDoNothing({ target: canaryDeliveries.token }),
    confirmProofIfDelivered(db, provable.checkId),
  ]);
  if (provable.caseIndex !== null) return;
  const vantage = await db
    .select({
      status: vantageResults.status,
      nonce: vantageResults.tokenNonce,
      caseSet: caseSets.cases,
      outcomes: vantageResults.outcomes,
    })
    .from(vantageResults)
    .leftJoin(caseSets, eq(vantageResults.caseSetId, caseSets.id))
    .where(eq(vantageResults.id, provable.vantageResultId))
    .get();
  if (!vantage || vantage.status === "pending") return;
  const accepted = acceptedTokens(unpackCases(vantage.caseSet, vantage.outcomes), vantage.nonce);
  const { link, drop, confirm } = linkEarlyArrivals(
    db,
    provable.vantageResultId,
    provable.checkId,
    accepted,
  );
  const [, dropped] = await db.batch([link, drop, confirm]);
  logDroppedEarlyArrivals(provable.vantageResultId, dropped);
}

/**
 * For the batch that stores a vantage's answer (or a late look after it): canary messages that
 * arrived before it are linked to their accepted cases, the rest (a token no accepted case
 * carries) are dropped, and the check's proof is confirmed when one was linked. The statements
 * are named for the caller's batch, in this order; the drop returns the dropped tokens, for the
 * log (see logDroppedEarlyArrivals). `onlyIf` makes every statement depend on a condition, such
 * as "this answer was the one kept".
 */
export function linkEarlyArrivals(
  db: Database,
  vantageResultId: string,
  checkId: string,
  accepted: readonly { token: string; index: number }[],
  onlyIf: SQL = sql`1`,
) {
  const unlinked = and(
    eq(canaryDeliveries.vantageResultId, vantageResultId),
    isNull(canaryDeliveries.caseIndex),
    onlyIf,
  );
  const caseIndex =
    accepted.length === 0
      ? sql`null`
      : sql`case ${canaryDeliveries.token} ${sql.join(
          accepted.map((entry) => sql`when ${entry.token} then ${entry.index}`),
          sql` `,
        )} else null end`;
  return {
    link: db.update(canaryDeliveries).set({ caseIndex }).where(unlinked),
    drop: db.delete(canaryDeliveries).where(unlinked).returning({ token: canaryDeliveries.token }),
    confirm: confirmProofIfDelivered(db, checkId),
  };
}

/** Where a case's arrival is in the map deliveriesOfCheck returns. */
export function deliveryKey(vantageResultId: string, caseIndex: number): string {
  return `${vantageResultId}#${caseIndex}`;
}

/** A check's arrivals, by deliveryKey, for its report. */
export async function deliveriesOfCheck(
  db: Database,
  checkId: string,
): Promise<Map<string, CanaryDeliveryRow>> {
  const rows = await db
    .select()
    .from(canaryDeliveries)
    .where(and(eq(canaryDeliveries.checkId, checkId), isNotNull(canaryDeliveries.caseIndex)))
    .orderBy(asc(canaryDeliveries.id));
  return new Map(rows.map((row) => [deliveryKey(row.vantageResultId, row.caseIndex ?? 0), row]));
}

/** Logs the early arrivals a vantage's answer did not vouch for: the batch result of the drop. */
export function logDroppedEarlyArrivals(
  vantageResultId: string,
  dropped: readonly { token: string }[],
): void {
  const tokens = dropped.map((row) => row.token);
  if (tokens.length === 0) return;
  console.warn(
    `canary mail dropped: ${tokens.join(", ")} arrived before vantage ${vantageResultId} answered, and its answer has no accepted case with that token`,
  );
}
