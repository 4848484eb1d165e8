import { outsideVantageCount } from "../../../../shared/probe/aggregate.ts";
import type { CheckView } from "../db/repository.ts";
import type { CanaryDeliveryRow } from "../db/schema.ts";
import { messagesFor } from "../i18n/index.ts";
import { caseDelivery } from "../proof/case-delivery.ts";
import { deliveryKey } from "../proof/deliveries.ts";
import { provenVerdict, publicProofState, verdictLabel } from "../proof/verdict-label.ts";
import { couldNotTest } from "./could-not-test.ts";

/** The API speaks English; the page says the same in its visitor's language. */
const API_WORDS = messagesFor("en");

import { vantageView } from "./decide.ts";

/**
 * The public JSON of a check: per MX host, per address, per vantage, with cases and transcript,
 * and, for a check with proof, which canary messages arrived (`deliveries` by deliveryKey).
 * Details from the R2 evidence are null once it has expired (`evidence: "expired"`).
 */
export function checkReport(
  view: CheckView & { listedNodes?: ReadonlyMap<string, string[]> },
  deliveries: ReadonlyMap<string, CanaryDeliveryRow> = new Map(),
  now = Date.now(),
) {
  const { check } = view;
  return {
    id: check.id,
    status: check.status,
    kind: check.kind,
    target: check.target,
    port: check.port,
    domain: view.domainName,
    verdict: provenVerdict(check.verdict, check.proof),
    verdictLabel: verdictLabel(check.verdict, check.proof),
    proof: publicProofState(check.proof),
    proofDeadlineAt: check.proofDeadlineAt ? new Date(check.proofDeadlineAt).toISOString() : null,
    reason: check.reason,
    disagreement: check.summary,
    couldNotTest: couldNotTest(API_WORDS, check.verdict, check.reason),
    createdAt: new Date(check.createdAt).toISOString(),
    finishedAt: check.finishedAt ? new Date(check.finishedAt).toISOString() : null,
    deadlineAt: new Date(check.deadlineAt).toISOString(),
    refusedAddresses: check.mx?.refused ?? [],
    /** Independent vantages outside the target's network that answered (fewest per address). */
    outsideVantages: outsideVantageCount(
      view.mxHosts.flatMap((host) => host.addresses.flatMap((a) => a.vantages.map(vantageView))),
    ),
    /** Nodes that were out (failing health checks) when the check was planned. */
    unavailableVantages: check.mx?.unavailable ?? [],
    mxHosts: view.mxHosts.map((mxHost) => ({
      host: mxHost.host,
      preference: mxHost.preference,
      addresses: mxHost.addresses.map((address) => ({
        address: address.address,
        /** The address's origin AS(es) and name; null when unknown (the lookup failed). */
        origin: check.mx?.origins?.[address.address] ?? null,
        vantages: address.vantages.map((vantage) => ({
          node: vantage.nodeId,
          region: vantage.region,
          network: vantage.network,
          /** Where the probe really ran; null until it answers. */
          location:
            vantage.location === null
              ? null
              : { kind: vantage.locationKind ?? "site", name: vantage.location },
          asn: vantage.nodeAsn,
          inside: vantage.inside,
          status: vantage.status,
          verdict: vantage.verdict,
          reason: vantage.reason,
          durationMs: vantage.durationMs,
          banner: vantage.banner,
          tls: vantage.tls,
          extensions: vantage.extensions,
          names: vantage.names,
          evidence: vantage.evidence,
          cases: vantage.cases.map((row) => ({
            id: row.caseId,
            mailFrom: row.detail?.mailFrom ?? null,
            rcptTo: row.detail?.rcptTo ?? null,
            recipientKind: row.detail?.recipientKind ?? null,
            outcome: row.outcome,
            step: row.step,
            reply: row.detail?.reply ?? null,
            data: row.detail?.data ?? null,
            delivery: caseDelivery(
              row,
              check,
              deliveries.get(deliveryKey(vantage.id, row.index)),
              now,
            ),
            note: row.detail?.note ?? null,
            conn: row.detail?.conn ?? null,
            attempts: row.detail?.attempts ?? null,
          })),
          transcript: vantage.transcript,
          couldNotTest: couldNotTest(API_WORDS, vantage.verdict, vantage.reason),
          listedOn: view.listedNodes?.get(vantage.nodeId) ?? [],
        })),
      })),
    })),
  };
}
