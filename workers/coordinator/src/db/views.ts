import { asc, eq, getTableColumns, sql } from "drizzle-orm";
import type { TranscriptLine } from "../../../../shared/schemas/probe-result.ts";
import type { Database } from "./client.ts";
import {
  type CaseRow,
  type CheckRow,
  caseResults,
  checks,
  domains,
  transcripts,
  type VantageRow,
  vantageResults,
} from "./schema.ts";

export interface VantageDetail extends VantageRow {
  /** In the order the probe ran them. */
  cases: CaseRow[];
  /** Null until the node's answer is stored. */
  transcript: TranscriptLine[] | null;
}

export interface AddressView {
  address: string;
  vantages: VantageDetail[];
}

export interface MxHostView {
  host: string;
  preference: number | null;
  addresses: AddressView[];
}

export interface CheckView {
  check: CheckRow;
  domainName: string | null;
  /** By MX preference, hosts without one last; addresses and vantages in planned order. */
  mxHosts: MxHostView[];
}

/** A check with everything measured for it, grouped MX host, then address, then vantage. */
export async function getCheckView(db: Database, checkId: string): Promise<CheckView | null> {
  // Joins on check_id rather than `IN (vantage ids)`, which could exceed D1's bound-parameter
  // limit; one batch, so the four reads see the same state.
  const [checkRows, vantageRows, caseRows, transcriptRows] = await db.batch([
    db
      .select({ check: checks, domainName: domains.name })
      .from(checks)
      .leftJoin(domains, eq(checks.domainId, domains.id))
      .where(eq(checks.id, checkId)),
    db
      .select()
      .from(vantageResults)
      .where(eq(vantageResults.checkId, checkId))
      .orderBy(asc(sql`${vantageResults}.rowid`)),
    db
      .select(getTableColumns(caseResults))
      .from(caseResults)
      .innerJoin(vantageResults, eq(caseResults.vantageResultId, vantageResults.id))
      .where(eq(vantageResults.checkId, checkId))
      .orderBy(asc(caseResults.id)),
    db
      .select(getTableColumns(transcripts))
      .from(transcripts)
      .innerJoin(vantageResults, eq(transcripts.vantageResultId, vantageResults.id))
      .where(eq(vantageResults.checkId, checkId)),
  ]);
  const [found] = checkRows;
  if (!found) return null;

  const casesByVantage = groupBy(caseRows, (row) => row.vantageResultId);
  const transcriptByVantage = new Map(
    transcriptRows.map((row) => [row.vantageResultId, row.lines]),
  );
  const hosts = new Map<string, MxHostView>();
  for (const vantage of vantageRows) {
    let host = hosts.get(vantage.mxHost);
    if (!host) {
      host = { host: vantage.mxHost, preference: vantage.mxPreference, addresses: [] };
      hosts.set(vantage.mxHost, host);
    }
    let address = host.addresses.find((entry) => entry.address === vantage.address);
    if (!address) {
      address = { address: vantage.address, vantages: [] };
      host.addresses.push(address);
    }
    address.vantages.push({
      ...vantage,
      cases: casesByVantage.get(vantage.id) ?? [],
      transcript: transcriptByVantage.get(vantage.id) ?? null,
    });
  }
  const mxHosts = [...hosts.values()].sort(
    (a, b) =>
      (a.preference ?? Number.POSITIVE_INFINITY) - (b.preference ?? Number.POSITIVE_INFINITY),
  );
  return { check: found.check, domainName: found.domainName, mxHosts };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
