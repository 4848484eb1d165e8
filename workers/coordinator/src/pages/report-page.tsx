/** @jsxImportSource hono/jsx */
import type { ReadView } from "../checks/read.ts";
import type { CheckView } from "../db/repository.ts";
import type { CanaryDeliveryRow } from "../db/schema.ts";
import type { RetentionPolicy } from "../evidence/retention.ts";
import { type Language, messagesFor } from "../i18n/index.ts";
import { provenVerdict, verdictLabel } from "../proof/verdict-label.ts";
import { BadgeBox } from "./badge-box.tsx";
import type { HistoryEntry } from "./history.ts";
import { HistoryList } from "./history-list.tsx";
import { Layout } from "./layout.tsx";
import { POLL_SCRIPT } from "./poll-script.ts";
import { ProgressList } from "./progress-list.tsx";
import { acceptedByFamily, RelayAdvice } from "./relay-advice.tsx";
import { VantageResults } from "./vantage-results.tsx";
import { VerdictBanner } from "./verdict-banner.tsx";

export interface ReportPageProps {
  language: Language;
  view: ReadView;
  history: HistoryEntry[];
  origin: string;
  /** Arrived canary messages by deliveryKey. */
  deliveries: ReadonlyMap<string, CanaryDeliveryRow>;
  /** How long evidence is kept, to say so where it has expired. */
  retention: RetentionPolicy;
}

export function isFinished(view: CheckView): boolean {
  return view.check.status === "done" || view.check.status === "failed";
}

export function ReportPage({
  language,
  view,
  history,
  origin,
  deliveries,
  retention,
}: ReportPageProps) {
  const t = messagesFor(language);
  const { check } = view;
  const finished = isFinished(view);
  const path = `/report/${encodeURIComponent(check.id)}`;
  // With JavaScript the poll script updates the page in place; the refresh is for everyone else.
  const head = finished ? null : (
    <noscript>
      <meta http-equiv="refresh" content="2" />
    </noscript>
  );
  const refused = check.mx?.refused ?? [];
  return (
    <Layout language={language} title={t.report.title(check.target)} path={path} head={head}>
      <h1>{t.report.title(check.target)}</h1>
      <dl class="facts">
        <dt>{t.report.target}</dt>
        <dd>
          <code>{check.target}</code>
        </dd>
        <dt>{t.report.port}</dt>
        <dd>{check.port ?? 25}</dd>
        <dt>{t.report.status}</dt>
        <dd>{t.report.statusNames[check.status]}</dd>
        <dt>{t.report.startedAt}</dt>
        <dd>
          <time datetime={new Date(check.createdAt).toISOString()}>
            {new Date(check.createdAt).toISOString()}
          </time>
        </dd>
      </dl>
      {finished ? (
        <VerdictBanner
          t={t}
          verdict={provenVerdict(check.verdict, check.proof)}
          reason={check.reason}
          disagreement={check.summary}
          label={verdictLabel(check.verdict, check.proof)}
          awaitingDelivery={check.proof === "pending"}
        />
      ) : (
        <>
          <ProgressList t={t} view={view} />
          <script dangerouslySetInnerHTML={{ __html: POLL_SCRIPT }} />
        </>
      )}
      {finished && acceptedByFamily(view).size > 0 ? (
        <p>
          <a href="#advice-heading">{t.advice.jumpLink}</a>
        </p>
      ) : null}
      {refused.length > 0 ? (
        <section aria-labelledby="refused-heading">
          <h2 id="refused-heading">{t.report.refusedHeading}</h2>
          <ul>
            {refused.map((entry) => (
              <li>
                <code>{entry.host}</code> <code>{entry.address}</code>: {entry.reason}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {finished ? (
        <VantageResults t={t} view={view} deliveries={deliveries} retention={retention} />
      ) : null}
      {finished ? <RelayAdvice t={t} view={view} /> : null}
      {check.kind === "domain" ? (
        <BadgeBox
          t={t}
          origin={origin}
          checkId={check.id}
          domain={view.domainName ?? check.target}
        />
      ) : null}
      <HistoryList t={t} language={language} entries={history} />
      <p>
        <a href="/">{t.report.newCheck}</a>
      </p>
    </Layout>
  );
}
