import { eq } from "drizzle-orm";
import { unpackCases } from "../db/case-outcomes.ts";
import type { CheckView, Database } from "../db/repository.ts";
import { caseSets, vantageResults } from "../db/schema.ts";
import type { HistoryEntry } from "./history.ts";

/** What a re-check changed: the answer to "did my fix work?". */
export interface CaseChanges {
  previous: HistoryEntry;
  /** Accepted somewhere last time, refused everywhere now. */
  nowRefused: string[];
  /** Refused everywhere last time, accepted somewhere now. */
  nowAccepted: string[];
}

interface CaseSummary {
  ran: Set<string>;
  accepted: Set<string>;
}

function summarise(rows: readonly { caseId: string; outcome: string }[]): CaseSummary {
  const summary: CaseSummary = { ran: new Set(), accepted: new Set() };
  for (const row of rows) {
    summary.ran.add(row.caseId);
    if (row.outcome === "accepted") summary.accepted.add(row.caseId);
  }
  return summary;
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
    .select({ outcomes: vantageResults.outcomes, caseSet: caseSets.cases })
    .from(vantageResults)
    .leftJoin(caseSets, eq(vantageResults.caseSetId, caseSets.id))
    .where(eq(vantageResults.checkId, previous.id));
  const before = summarise(
    previousVantages.flatMap((vantage) => unpackCases(vantage.caseSet, vantage.outcomes)),
  );
  const now = summarise(
    view.mxHosts.flatMap((host) =>
      host.addresses.flatMap((address) => address.vantages.flatMap((vantage) => vantage.cases)),
    ),
  );
  return {
    previous,
    nowRefused: [...before.accepted].filter((id) => now.ran.has(id) && !now.accepted.has(id)),
    nowAccepted: [...now.accepted].filter((id) => before.ran.has(id) && !before.accepted.has(id)),
  };
}
