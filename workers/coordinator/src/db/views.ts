import { asc, eq, getTableColumns, sql } from "drizzle-orm";
import type { CaseResult, TranscriptLine } from "../../../../shared/schemas/probe-result.ts";
import { type EvidenceState, getEvidence } from "../evidence/store.ts";
import { type PackedCase, unpackCases } from "./case-outcomes.ts";
import type { Database } from "./client.ts";
import {
  type CheckRow,
  caseSets,
  checks,
  domains,
  type VantageRow,
  vantageResults,
} from "./schema.ts";

/** A case as a report shows it: its outcome from D1, its details from the evidence in R2. */
export interface CaseView extends PackedCase {
  /** Addresses, replies, notes; null while the evidence is not read, or once it has expired. */
  detail: CaseResult | null;
}

export interface VantageDetail extends VantageRow {
  /** In the order the probe ran them; empty before the answer and after outcome retention. */
  cases: CaseView[];
  /** Null until the node's answer is stored, and once the evidence has expired. */
  transcript: TranscriptLine[] | null;
  /** Whether the R2 evidence (transcript, case details, TLS) was found: see evidence/store.ts. */
  evidence: EvidenceState["status"];
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

/**
 * A check with everything measured for it, grouped MX host, then address, then vantage: the
 * verdicts and case outcomes from D1, each vantage's evidence from R2 (one keyed GET each).
 */
export async function getCheckView(
  db: Database,
  checkId: string,
  bucket: R2Bucket,
): Promise<CheckView | null> {
  // One batch, so the two reads see the same state.
  const [checkRows, vantageRows] = await db.batch([
    db
      .select({ check: checks, domainName: domains.name })
      .from(checks)
      .leftJoin(domains, eq(checks.domainId, domains.id))
      .where(eq(checks.id, checkId)),
    db
      .select({ vantage: getTableColumns(vantageResults), caseSet: caseSets.cases })
      .from(vantageResults)
      .leftJoin(caseSets, eq(vantageResults.caseSetId, caseSets.id))
      .where(eq(vantageResults.checkId, checkId))
      .orderBy(asc(sql`${vantageResults}.rowid`)),
  ]);
  const [found] = checkRows;
  if (!found) return null;

  const details = await Promise.all(
    vantageRows.map(({ vantage, caseSet }) => vantageDetail(vantage, caseSet, bucket)),
  );
  const hosts = new Map<string, MxHostView>();
  for (const vantage of details) {
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
    address.vantages.push(vantage);
  }
  const mxHosts = [...hosts.values()].sort(
    (a, b) =>
      (a.preference ?? Number.POSITIVE_INFINITY) - (b.preference ?? Number.POSITIVE_INFINITY),
  );
  const answered = details.some((vantage) => vantage.status !== "pending");
  const check =
    found.check.status === "queued" && answered
      ? { ...found.check, status: "running" as const }
      : found.check;
  return { check, domainName: found.domainName, mxHosts };
}

async function vantageDetail(
  vantage: VantageRow,
  caseSet: string | null,
  bucket: R2Bucket,
): Promise<VantageDetail> {
  const packed = unpackCases(caseSet, vantage.outcomes);
  const { evidenceId } = vantage;
  const evidence =
    evidenceId === null
      ? null
      : await getEvidence(bucket, { checkId: vantage.checkId, vantageId: vantage.id, evidenceId });
  const cases = packed.map((row) => ({
    ...row,
    // Matched by position and id: a case list the evidence does not share gets no details.
    detail:
      evidence?.cases[row.index]?.id === row.caseId ? (evidence.cases[row.index] ?? null) : null,
  }));
  if (evidence === null) {
    return {
      ...vantage,
      cases,
      transcript: null,
      evidence: evidenceId === null ? "none" : "expired",
    };
  }
  return {
    ...vantage,
    names: evidence.names,
    extensions: evidence.extensions,
    tls: evidence.tls,
    cases,
    transcript: evidence.transcript,
    evidence: "stored",
  };
}
