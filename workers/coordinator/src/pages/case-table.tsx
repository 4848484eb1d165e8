/** @jsxImportSource hono/jsx */
import type { VantageDetail } from "../db/repository.ts";
import type { CanaryDeliveryRow, CheckRow } from "../db/schema.ts";
import type { Messages } from "../i18n/index.ts";
import { caseDelivery } from "../proof/case-delivery.ts";
import { deliveryKey } from "../proof/deliveries.ts";
import { DeliveryCell } from "./delivery-cell.tsx";
import { TranscriptLog } from "./transcript-log.tsx";

export interface CaseTableProps {
  t: Messages;
  vantage: VantageDetail;
  caption: string;
  check: Pick<CheckRow, "proof" | "proofDeadlineAt">;
  deliveries: ReadonlyMap<string, CanaryDeliveryRow>;
}

/**
 * The cases one vantage ran; each expands to the SMTP log of the connection that decided it.
 * Checks with proof show what became of each case's canary message.
 */
export function CaseTable({ t, vantage, caption, check, deliveries }: CaseTableProps) {
  const transcript = vantage.transcript ?? [];
  const withProof = check.proof !== null;
  const columnCount = withProof ? 6 : 5;
  const now = Date.now();
  return (
    <div class="table-wrap">
      <table>
        {/* The heading above shows the same words; the caption names the table for screen readers. */}
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.report.columns.id}</th>
            <th scope="col">{t.report.columns.mailFrom}</th>
            <th scope="col">{t.report.columns.rcptTo}</th>
            <th scope="col">{t.report.columns.outcome}</th>
            <th scope="col">{t.report.columns.reply}</th>
            {withProof ? <th scope="col">{t.report.columns.delivery}</th> : null}
          </tr>
        </thead>
        <tbody>
          {vantage.cases.flatMap((row) => {
            const detail = row.detail;
            const conn = detail?.conn ?? null;
            const lines = conn === null ? [] : transcript.filter((l) => l.conn === conn);
            const rcpt = detail?.reply
              ? [detail.reply.code, detail.reply.enhanced, detail.reply.text]
                  .filter(Boolean)
                  .join(" ")
              : (detail?.note ?? "");
            // The message's own answer, where the DATA step sent one: it decided the case.
            const data = detail?.data
              ? ` · DATA ${[detail.data.code, detail.data.enhanced, detail.data.text].filter(Boolean).join(" ")}`
              : "";
            const reply = `${rcpt}${data}`;
            return [
              <tr>
                <th scope="row">
                  <code>{row.caseId}</code>
                </th>
                <td>{detail ? <code>{detail.mailFrom}</code> : null}</td>
                <td>{detail ? <code>{detail.rcptTo}</code> : null}</td>
                <td class={`o-${row.outcome}`}>
                  {t.report.outcomeNames[row.outcome]}{" "}
                  <small class="step">({t.report.decidedAt(t.report.stepNames[row.step])})</small>
                </td>
                <td>{reply}</td>
                {withProof ? (
                  <td>
                    <DeliveryCell
                      t={t}
                      delivery={caseDelivery(
                        row,
                        check,
                        deliveries.get(deliveryKey(vantage.id, row.index)),
                        now,
                      )}
                    />
                  </td>
                ) : null}
              </tr>,
              // Past its retention there is no log to expand: the vantage says so once, above.
              vantage.evidence !== "stored" ? null : (
                <tr class="log">
                  <td colspan={columnCount}>
                    <details>
                      <summary>{t.report.transcriptSummary(row.caseId, conn)}</summary>
                      {lines.length > 0 ? (
                        <TranscriptLog lines={lines} />
                      ) : (
                        <p>{t.report.noTranscript}</p>
                      )}
                    </details>
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
