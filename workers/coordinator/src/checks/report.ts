import {
  listedOutsideVantageCount,
  outsideVantageCount,
} from "../../../../shared/verdict/aggregate.ts";
import {
  API_COULD_NOT_TEST_WORDS,
  couldNotTest,
} from "../../../../shared/verdict/could-not-test.ts";
import {
  provenVerdict,
  publicProofState,
  verdictLabel,
} from "../../../../shared/verdict/verdict-label.ts";
import type { CheckView } from "../db/repository.ts";
import type { CanaryDeliveryRow } from "../db/schema.ts";
import { caseDelivery } from "../proof/case-delivery.ts";
import { deliveryKey } from "../proof/deliveries.ts";

import { type ListedNodes, vantageView } from "./decide.ts";

/**
 * Independent vantages outside the target's network that tested (fewest per address), and how
 * many of them were on a DNS blocklist when the check ran and so corroborate nothing: the report
 * and the badge tell one story.
 */
export function outsideVantagesOf(view: CheckView, listedNodes: ListedNodes = new Map()) {
  const views = view.mxHosts.flatMap((host) =>
    host.addresses.flatMap((a) => a.vantages.map((v) => vantageView(v, listedNodes))),
  );
  return { outside: outsideVantageCount(views), listed: listedOutsideVantageCount(views) };
}

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
  const outside = outsideVantagesOf(view, view.listedNodes);
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
    couldNotTest: couldNotTest(API_COULD_NOT_TEST_WORDS, check.verdict, check.reason),
    createdAt: new Date(check.createdAt).toISOString(),
    finishedAt: check.finishedAt ? new Date(check.finishedAt).toISOString() : null,
    deadlineAt: new Date(check.deadlineAt).toISOString(),
    refusedAddresses: check.mx?.refused ?? [],
    /** Independent vantages outside the target's network that answered (fewest per address). */
    outsideVantages: outside.outside,
    listedOutsideVantages: outside.listed,
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
          couldNotTest: couldNotTest(API_COULD_NOT_TEST_WORDS, vantage.verdict, vantage.reason),
          listedOn: view.listedNodes?.get(vantage.nodeId) ?? [],
        })),
      })),
    })),
  };
}
