/** @jsxImportSource hono/jsx */
import type { CaseView, VantageDetail } from "../db/repository.ts";
import type { Messages } from "../i18n/index.ts";
import type { CaseDelivery } from "../proof/case-delivery.ts";
import { caseExchange } from "./case-exchange.ts";
import { DeliveryCell } from "./delivery-cell.tsx";
import { vantagePlace } from "./report-model.ts";
import { TranscriptLog } from "./transcript-log.tsx";

export interface CaseExchangeViewProps {
  t: Messages;
  reportPath: string;
  vantage: VantageDetail;
  row: CaseView;
  delivery: CaseDelivery | null;
}

/** One case's exchange, alone: the matrix shows it in place, or it is a page of its own. */
export function CaseExchangeView({ t, reportPath, vantage, row, delivery }: CaseExchangeViewProps) {
  const detail = row.detail;
  const conn = detail?.conn ?? null;
  const connection = (vantage.transcript ?? []).filter((line) => line.conn === conn);
  const lines = conn === null || detail === null ? [] : caseExchange(connection, detail);
  const reply = detail?.reply ? replyText(detail.reply) : (detail?.note ?? "");
  // The message's own answer, where the DATA step sent one: it decided the case.
  const data = detail?.data ? ` · DATA ${replyText(detail.data)}` : "";
  return (
    <section aria-labelledby="exchange-heading" class="case-exchange">
      <h2 id="exchange-heading">{t.exchange.title(row.caseId, vantagePlace(vantage))}</h2>
      <p>
        {detail ? (
          <>
            <code>MAIL FROM:{detail.mailFrom}</code> <code>RCPT TO:{detail.rcptTo}</code> →{" "}
          </>
        ) : null}
        <strong>{t.report.outcomeNames[row.outcome]}</strong>{" "}
        <small class="step">({t.report.decidedAt(t.report.stepNames[row.step])})</small> {reply}
        {data}
      </p>
      {lines.length > 0 ? <TranscriptLog lines={lines} /> : <p>{t.exchange.noLines}</p>}
      {delivery ? (
        <p>
          {t.report.delivery}: <DeliveryCell t={t} delivery={delivery} />
        </p>
      ) : null}
      <p>
        <a href={`${reportPath}/transcripts.txt?vantage=${encodeURIComponent(vantage.id)}`}>
          {t.exchange.fullTranscript}
        </a>
      </p>
    </section>
  );
}

function replyText(reply: { code: number; enhanced: string | null; text: string }): string {
  return [reply.code, reply.enhanced, reply.text].filter(Boolean).join(" ");
}
