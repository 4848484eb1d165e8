/**
 * What the report shows, derived once from a check's stored results: one outcome per case and
 * vantage, vantages and addresses that saw the same thing collapsed, the accepted tricks, and the
 * mail server software the target named. Pure functions, so the page, the exchange view and the
 * page-weight script all read the same model.
 */
import { CASE_FAMILIES, findCase } from "../../../../shared/probe/cases.ts";
import {
  detectMailServer,
  type MailServerGuess,
} from "../../../../shared/probe/mail-server-software.ts";
import type { CaseView, CheckView, VantageDetail } from "../db/repository.ts";
import type { CanaryDeliveryRow, CheckRow } from "../db/schema.ts";
import type { CaseFamily } from "../i18n/index.ts";
import { caseDelivery } from "../proof/case-delivery.ts";
import { deliveryKey } from "../proof/deliveries.ts";
import { type CellOutcome, plainCellOutcome } from "./cell-outcome.ts";

/** Arrived canary messages by deliveryKey (vantage id and case index). */
export type Deliveries = ReadonlyMap<string, CanaryDeliveryRow>;
type ProofFields = Pick<CheckRow, "proof" | "proofDeadlineAt">;

/** An accepted case whose canary message arrived is "delivered": proof, not just a 250. */
export function cellOutcome(
  vantageId: string,
  row: CaseView,
  check: ProofFields,
  deliveries: Deliveries,
  now: number,
): CellOutcome {
  const plain = plainCellOutcome(row.outcome);
  if (plain !== "accepted") return plain;
  const arrived = deliveries.get(deliveryKey(vantageId, row.index));
  return caseDelivery(row, check, arrived, now)?.status === "confirmed" ? "delivered" : "accepted";
}

/**
 * Where a vantage probed from, as a column heading and in sentences: its region and the place
 * the run really was (a Cloudflare colo or a self-hosted site); its network until it answered.
 */
export function vantagePlace(
  vantage: Pick<VantageDetail, "region" | "network" | "location">,
): string {
  return `${vantage.region} (${vantage.location ?? vantage.network})`;
}

/** One address of one MX host, with every vantage that probed it. */
export interface ProbedAddress {
  mxHost: string;
  address: string;
  vantages: VantageDetail[];
}

/** Vantages whose every case ended the same way share one column; the first stands for all. */
export interface VantageColumn {
  vantages: VantageDetail[];
  outcomes: Map<string, CellOutcome>;
}

/** Addresses that answered identically from every vantage share one matrix. */
export interface AddressGroup {
  addresses: ProbedAddress[];
  columns: VantageColumn[];
  /** Case ids in the order the probe ran them, grouped by family. */
  families: { family: CaseFamily; caseIds: string[] }[];
}

export function probedAddresses(view: CheckView): ProbedAddress[] {
  return view.mxHosts.flatMap((mxHost) =>
    mxHost.addresses.map((address) => ({
      mxHost: mxHost.host,
      address: address.address,
      vantages: address.vantages,
    })),
  );
}

function outcomesOf(
  vantage: VantageDetail,
  check: ProofFields,
  deliveries: Deliveries,
  now: number,
) {
  return new Map(
    vantage.cases.map((row) => [row.caseId, cellOutcome(vantage.id, row, check, deliveries, now)]),
  );
}

/**
 * What the server answered, case by case: delivery is left out, because which of several
 * accepted messages arrive first (or at all, within the cap) says nothing about the server.
 */
function signatureOf(vantage: VantageDetail): string {
  // An inside vantage never shares a column with outside ones: it does not count as they do.
  return [
    vantage.status,
    vantage.verdict,
    vantage.inside,
    ...vantage.cases.map((row) => `${row.caseId}=${plainCellOutcome(row.outcome)}`),
  ].join("|");
}

/** A merged cell shows "delivered" when a message of any vantage or address it stands for arrived. */
function mergeDeliveries(into: Map<string, CellOutcome>, from: Map<string, CellOutcome>) {
  for (const [caseId, outcome] of from) if (outcome === "delivered") into.set(caseId, "delivered");
}

export function groupAddresses(
  view: CheckView,
  deliveries: Deliveries,
  now: number = Date.now(),
): AddressGroup[] {
  const groups = new Map<string, AddressGroup>();
  for (const probed of probedAddresses(view)) {
    const columns = new Map<string, VantageColumn>();
    for (const vantage of probed.vantages) {
      const outcomes = outcomesOf(vantage, view.check, deliveries, now);
      const signature = signatureOf(vantage);
      const column = columns.get(signature);
      if (column) {
        column.vantages.push(vantage);
        mergeDeliveries(column.outcomes, outcomes);
      } else columns.set(signature, { vantages: [vantage], outcomes });
    }
    // The same vantages seeing the same things: the address joins a group with its twin.
    const key = probed.vantages
      .map((vantage) => vantage.nodeId)
      .concat([...columns.keys()])
      .join("\n");
    const group = groups.get(key);
    if (group) {
      group.addresses.push(probed);
      [...columns.values()].forEach((column, index) => {
        const twin = group.columns[index];
        if (twin) mergeDeliveries(twin.outcomes, column.outcomes);
      });
      continue;
    }
    const caseIds = [
      ...new Set(probed.vantages.flatMap((vantage) => vantage.cases.map((row) => row.caseId))),
    ];
    const families = CASE_FAMILIES.map((family) => ({
      family,
      caseIds: caseIds.filter((id) => findCase(id)?.family === family),
    })).filter((entry) => entry.caseIds.length > 0);
    groups.set(key, { addresses: [probed], columns: [...columns.values()], families });
  }
  return [...groups.values()];
}

/** An accepted case, once for the whole check, with where it was accepted. */
export interface AcceptedTrick {
  caseId: string;
  family: CaseFamily;
  /** As the first vantage that was accepted sent them. */
  mailFrom: string;
  rcptTo: string;
  delivered: boolean;
  vantages: VantageDetail[];
  addresses: string[];
}

export function acceptedTricks(
  view: CheckView,
  deliveries: Deliveries,
  now: number = Date.now(),
): AcceptedTrick[] {
  const tricks = new Map<string, AcceptedTrick>();
  for (const probed of probedAddresses(view))
    for (const vantage of probed.vantages)
      for (const row of vantage.cases) {
        const outcome = cellOutcome(vantage.id, row, view.check, deliveries, now);
        if (outcome !== "accepted" && outcome !== "delivered") continue;
        const family = findCase(row.caseId)?.family;
        // A case the catalogue does not know (a result from a node with another catalogue) has
        // no family: no family's advice would be right for it.
        if (!family) continue;
        let trick = tricks.get(row.caseId);
        if (!trick) {
          trick = {
            caseId: row.caseId,
            family,
            mailFrom: row.detail?.mailFrom ?? "",
            rcptTo: row.detail?.rcptTo ?? "",
            delivered: false,
            vantages: [],
            addresses: [],
          };
          tricks.set(row.caseId, trick);
        }
        trick.delivered ||= outcome === "delivered";
        if (!trick.vantages.some((known) => known.nodeId === vantage.nodeId))
          trick.vantages.push(vantage);
        const where = `${probed.mxHost} ${probed.address}`;
        if (!trick.addresses.includes(where)) trick.addresses.push(where);
      }
  return [...tricks.values()].sort(
    (a, b) => CASE_FAMILIES.indexOf(a.family) - CASE_FAMILIES.indexOf(b.family),
  );
}

/** The software the target named, from the first vantage that heard it. */
export function detectedMailServer(view: CheckView): MailServerGuess {
  for (const probed of probedAddresses(view))
    for (const vantage of probed.vantages) {
      if (!vantage.banner && !vantage.extensions?.length) continue;
      const guess = detectMailServer({
        banner: vantage.banner,
        extensions: vantage.extensions ?? [],
        ehloGreeting: ehloGreetingOf(vantage),
      });
      if (guess.software !== "unknown") return guess;
    }
  return { software: "unknown", evidence: null };
}

/** The first line of the first EHLO answer ("250-mx Hello [192.0.2.1]"), from the transcript. */
function ehloGreetingOf(vantage: VantageDetail): string | null {
  const lines = vantage.transcript ?? [];
  const ehlo = lines.findIndex((line) => line.dir === "client" && /^EHLO /i.test(line.line));
  if (ehlo < 0) return null;
  const answer = lines.slice(ehlo + 1).find((line) => line.dir === "server");
  return answer && /^250[- ]/.test(answer.line) ? answer.line.slice(4) : null;
}

/**
 * For a vantage that could not speak TLS with its address (its runtime verifies every
 * certificate): the vantages that tested that address and recorded its TLS, the Node.js
 * nodes the coordinator handed it to.
 */
export function testedInstead(view: CheckView, untestable: VantageDetail): VantageDetail[] {
  return probedAddresses(view)
    .filter((p) => p.mxHost === untestable.mxHost && p.address === untestable.address)
    .flatMap((p) => p.vantages)
    .filter((vantage) => vantage.status === "done" && vantage.tls !== null);
}

/** A certificate a vantage recorded (Node.js nodes record every one), once per address. */
export interface RecordedCertificate {
  mxHost: string;
  address: string;
  tls: NonNullable<VantageDetail["tls"]>;
  vantages: VantageDetail[];
}

export function recordedCertificates(view: CheckView): RecordedCertificate[] {
  const found = new Map<string, RecordedCertificate>();
  for (const probed of probedAddresses(view))
    for (const vantage of probed.vantages) {
      const tls = vantage.tls;
      if (!tls || (tls.peerSubject === null && tls.fingerprint256 === null)) continue;
      const key = `${probed.mxHost} ${probed.address} ${tls.fingerprint256 ?? tls.peerSubject}`;
      const known = found.get(key);
      if (known) known.vantages.push(vantage);
      else
        found.set(key, {
          mxHost: probed.mxHost,
          address: probed.address,
          tls,
          vantages: [vantage],
        });
    }
  return [...found.values()];
}

/** One probe node across the check: where it ran, and for which addresses it did not count. */
export interface NodeSummary {
  first: VantageDetail;
  locations: string[];
  /** Addresses whose network the node is in (same AS). */
  insideFor: string[];
  /** Addresses it could not speak TLS with, each with who tested it instead. */
  tlsNotTestable: { address: string; instead: VantageDetail[] }[];
  /** Addresses it could not test for any other reason (unreachable node), with why. */
  failed: { address: string; reason: string }[];
  addressCount: number;
}

export function nodeSummaries(view: CheckView): NodeSummary[] {
  const nodes = new Map<string, NodeSummary>();
  for (const probed of probedAddresses(view))
    for (const vantage of probed.vantages) {
      let node = nodes.get(vantage.nodeId);
      if (!node) {
        node = {
          first: vantage,
          locations: [],
          insideFor: [],
          tlsNotTestable: [],
          failed: [],
          addressCount: 0,
        };
        nodes.set(vantage.nodeId, node);
      }
      node.addressCount++;
      if (vantage.location && !node.locations.includes(vantage.location))
        node.locations.push(vantage.location);
      if (vantage.inside) node.insideFor.push(probed.address);
      if (vantage.status === "untestable")
        node.tlsNotTestable.push({
          address: probed.address,
          instead: testedInstead(view, vantage),
        });
      else if (vantage.status === "failed")
        node.failed.push({ address: probed.address, reason: vantage.reason ?? "" });
    }
  return [...nodes.values()];
}
