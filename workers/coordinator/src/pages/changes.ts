import { eq } from "drizzle-orm";
import { unpackCases } from "../db/case-outcomes.ts";
import type { CheckView, Database } from "../db/repository.ts";
import { caseSets, vantageResults } from "../db/schema.ts";
import type { HistoryEntry } from "./history.ts";

/**
 * What a re-check changed: the answer to "did my fix work?". Compared where both checks ran the
 * case from the same node on the same address, so a vantage missing this time (its node down)
 * is no "now refused".
 */
export interface CaseChanges {
  previous: HistoryEntry;
  /** Accepted last time, refused now from the same node and address, and accepted nowhere now. */
  nowRefused: string[];
  /** Refused last time from the same node and address, accepted now, and accepted nowhere then. */
  nowAccepted: string[];
}

interface ProbedCase {
  nodeId: string;
  address: string;
  caseId: string;
  outcome: string;
}

interface CaseSummary {
  /** `node address case` keys that ran, and those accepted. */
  ran: Set<string>;
  accepted: Set<string>;
  acceptedCases: Set<string>;
}

const keyOf = (row: ProbedCase) => `${row.nodeId} ${row.address} ${row.caseId}`;

function summarise(rows: readonly ProbedCase[]): CaseSummary {
  const summary: CaseSummary = { ran: new Set(), accepted: new Set(), acceptedCases: new Set() };
  for (const row of rows) {
    summary.ran.add(keyOf(row));
    if (row.outcome !== "accepted") continue;
    summary.accepted.add(keyOf(row));
    summary.acceptedCases.add(row.caseId);
  }
  return summary;
}

/** Case ids accepted in `from` where `to` ran the same node, address and case, and accepted none of it. */
function turnedRefused(from: CaseSummary, to: CaseSummary, rows: readonly ProbedCase[]): string[] {
  const ids = rows
    .filter((row) => from.accepted.has(keyOf(row)) && to.ran.has(keyOf(row)))
    .filter((row) => !to.accepted.has(keyOf(row)) && !to.acceptedCases.has(row.caseId))
    .map((row) => row.caseId);
  return [...new Set(ids)];
}

/** Compared with the latest finished check of the same target before this one; null if none. */
export async function changesSincePrevious(
  db: Database,
  view: CheckView,
  history: readonly HistoryEntry[],
): Promise<CaseChanges | null> {
  const previous = history.find(
    (entry) => entry.status === "done" && entry.createdAt < view.check.createdAt,
  );
  if (!previous) return null;
  // Outcomes from D1 alone (packed per vantage): the previous check's evidence is not needed.
  const previousVantages = await db
    .select({
      nodeId: vantageResults.nodeId,
      address: vantageResults.address,
      outcomes: vantageResults.outcomes,
      caseSet: caseSets.cases,
    })
    .from(vantageResults)
    .leftJoin(caseSets, eq(vantageResults.caseSetId, caseSets.id))
    .where(eq(vantageResults.checkId, previous.id));
  const beforeRows = previousVantages.flatMap(({ nodeId, address, caseSet, outcomes }) =>
    unpackCases(caseSet, outcomes).map((row) => ({ nodeId, address, ...row })),
  );
  const nowRows = view.mxHosts.flatMap((host) =>
    host.addresses.flatMap((address) =>
      address.vantages.flatMap(({ nodeId, cases }) =>
        cases.map((row) => ({ nodeId, address: address.address, ...row })),
      ),
    ),
  );
  const before = summarise(beforeRows);
  const now = summarise(nowRows);
  return {
    previous,
    nowRefused: turnedRefused(before, now, beforeRows),
    nowAccepted: turnedRefused(now, before, nowRows),
  };
}
