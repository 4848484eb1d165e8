/** @jsxImportSource hono/jsx */
import type { ReadView } from "../checks/read.ts";
import type { CheckView } from "../db/repository.ts";
import type { CanaryDeliveryRow } from "../db/schema.ts";
import type { RetentionPolicy } from "../evidence/retention.ts";
import { type Language, messagesFor } from "../i18n/index.ts";
import { provenVerdict, verdictLabel } from "../proof/verdict-label.ts";
import { BadgeBox } from "./badge-box.tsx";
import { CaseMatrix } from "./case-matrix.tsx";
import type { CaseChanges } from "./changes.ts";
import { ChangeSummary, CheckAgain } from "./check-again.tsx";
import { downloadName } from "./downloads.ts";
import type { HistoryEntry } from "./history.ts";
import { HistoryList } from "./history-list.tsx";
import { Layout } from "./layout.tsx";
import { REPORT_SCRIPT } from "./poll-script.ts";
import { ProgressList } from "./progress-list.tsx";
import { RelayAdvice } from "./relay-advice.tsx";
import { acceptedTricks, detectedMailServer, groupAddresses } from "./report-model.ts";
import { AcceptedTricks, FixForServer } from "./report-summary.tsx";
import { OutsideVantages, VantageList } from "./vantage-list.tsx";
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
  /** Against the previous finished check of the same target; null when there is none. */
  changes: CaseChanges | null;
  /** Seconds until the cool-down lets this target be checked again. */
  waitSeconds: number;
  now: number;
}

export function isFinished(view: CheckView): boolean {
  return view.check.status === "done" || view.check.status === "failed";
}

/**
 * The report: first the verdict, the accepted tricks and the fix, on one screen; then the cases
 * as a matrix, the explanations, downloads, the badge and the history.
 */
export function ReportPage(props: ReportPageProps) {
  const { language, view, history, origin, deliveries, retention, changes, waitSeconds, now } =
    props;
  const t = messagesFor(language);
  const { check } = view;
  const finished = isFinished(view);
  const path = `/report/${encodeURIComponent(check.id)}`;
  // With JavaScript the script updates the progress in place; the refresh is for everyone else.
  const head = finished ? null : (
    <noscript>
      <meta http-equiv="refresh" content="2" />
    </noscript>
  );
  const refused = check.mx?.refused ?? [];
  const tricks = finished ? acceptedTricks(view, deliveries, now) : [];
  const domain = check.kind === "domain" ? (view.domainName ?? check.target) : null;
  return (
    <Layout language={language} title={t.report.title(check.target)} path={path} head={head}>
      <h1>{t.report.title(check.target)}</h1>
      <p class="facts">
        {t.report.port} {check.port ?? 25} · {t.report.statusNames[check.status]} ·{" "}
        <time datetime={new Date(check.createdAt).toISOString()}>
          {new Date(check.createdAt).toISOString().replace("T", " ").slice(0, 19)} UTC
        </time>
        {domain ? (
          <>
            {" · "}
            <a href={`/domain/${encodeURIComponent(domain)}`}>{t.domainPage.link}</a>
          </>
        ) : null}
      </p>
      {finished ? (
        <div class="first">
          <div>
            <VerdictBanner
              t={t}
              verdict={provenVerdict(check.verdict, check.proof)}
              reason={check.reason}
              disagreement={check.summary}
              label={verdictLabel(check.verdict, check.proof)}
              awaitingDelivery={check.proof === "pending"}
            />
            <OutsideVantages t={t} view={view} />
            <AcceptedTricks t={t} tricks={tricks} />
          </div>
          {tricks.length > 0 ? <FixForServer t={t} guess={detectedMailServer(view)} /> : null}
        </div>
      ) : (
        <ProgressList t={t} view={view} now={now} />
      )}
      {finished ? (
        <div class="actions">
          <CheckAgain
            t={t}
            check={check}
            implicitTls={check.mx?.implicitTls ?? false}
            waitSeconds={waitSeconds}
          />
          <p>
            {t.downloads.heading}:{" "}
            <a
              href={`/api/v1/checks/${encodeURIComponent(check.id)}`}
              download={downloadName(check, "json")}
            >
              {t.downloads.json}
            </a>
            {" · "}
            <a href={`${path}/transcripts.txt`}>{t.downloads.transcripts}</a>
          </p>
        </div>
      ) : null}
      {finished && changes ? <ChangeSummary t={t} changes={changes} /> : null}
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
        <CaseMatrix
          t={t}
          view={view}
          groups={groupAddresses(view, deliveries, now)}
          retention={retention}
        />
      ) : null}
      {finished ? <VantageList t={t} view={view} /> : null}
      {finished ? <RelayAdvice t={t} tricks={tricks} /> : null}
      {domain ? <BadgeBox t={t} origin={origin} checkId={check.id} domain={domain} /> : null}
      <HistoryList t={t} language={language} entries={history} />
      <p>
        <a href="/">{t.report.newCheck}</a>
      </p>
      <script dangerouslySetInnerHTML={{ __html: REPORT_SCRIPT }} />
    </Layout>
  );
}
