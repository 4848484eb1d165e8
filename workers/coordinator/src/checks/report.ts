import type { CheckView } from "../db/repository.ts";

/** The public JSON of a check: per MX host, per address, per vantage, with cases and transcript. */
export function checkReport(view: CheckView) {
  const { check } = view;
  return {
    id: check.id,
    status: check.status,
    kind: check.kind,
    target: check.target,
    port: check.port,
    domain: view.domainName,
    verdict: check.verdict,
    reason: check.reason,
    disagreement: check.summary,
    createdAt: new Date(check.createdAt).toISOString(),
    finishedAt: check.finishedAt ? new Date(check.finishedAt).toISOString() : null,
    deadlineAt: new Date(check.deadlineAt).toISOString(),
    refusedAddresses: check.mx?.refused ?? [],
    mxHosts: view.mxHosts.map((mxHost) => ({
      host: mxHost.host,
      preference: mxHost.preference,
      addresses: mxHost.addresses.map((address) => ({
        address: address.address,
        vantages: address.vantages.map((vantage) => ({
          node: vantage.nodeId,
          region: vantage.region,
          network: vantage.network,
          status: vantage.status,
          verdict: vantage.verdict,
          reason: vantage.reason,
          durationMs: vantage.durationMs,
          banner: vantage.banner,
          tls: vantage.tls,
          extensions: vantage.extensions,
          names: vantage.names,
          cases: vantage.cases.map((row) => ({
            id: row.caseId,
            mailFrom: row.mailFrom,
            rcptTo: row.rcptTo,
            recipientKind: row.recipientKind,
            outcome: row.outcome,
            step: row.step,
            reply:
              row.replyCode === null
                ? null
                : { code: row.replyCode, enhanced: row.replyEnhanced, text: row.replyText },
            note: row.note,
            conn: row.conn,
            attempts: row.attempts,
          })),
          transcript: vantage.transcript,
        })),
      })),
    })),
  };
}
