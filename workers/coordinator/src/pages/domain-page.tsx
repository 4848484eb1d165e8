/** @jsxImportSource hono/jsx */
import type { HistoryEntry } from "../../../../shared/schemas/api.ts";
import { type Language, messagesFor } from "../i18n/index.ts";
import { BadgeBox } from "./badge-box.tsx";
import { HistoryList } from "./history-list.tsx";
import { Layout } from "./layout.tsx";
import { VerdictTimeline } from "./verdict-timeline.tsx";

export interface DomainPageProps {
  language: Language;
  domain: string;
  origin: string;
  /** Finished checks, newest first. */
  entries: HistoryEntry[];
}

/** `/domain/{domain}`: the latest verdict, past verdicts as a chart, the badge and every report. */
export function DomainPage({ language, domain, origin, entries }: DomainPageProps) {
  const t = messagesFor(language);
  const [latest] = entries;
  const path = `/domain/${encodeURIComponent(domain)}`;
  return (
    <Layout language={language} title={t.domainPage.title(domain)} path={path}>
      <h1>{t.domainPage.title(domain)}</h1>
      {latest ? (
        <>
          <section aria-labelledby="latest-heading">
            <h2 id="latest-heading">{t.domainPage.latest}</h2>
            <p class={`verdict v-${latest.verdict ?? "inconclusive"}`}>
              <img
                src={`/badge/${encodeURIComponent(domain)}.svg`}
                alt={`relay: ${latest.verdict ?? "unknown"}`}
              />{" "}
              <a href={`/report/${encodeURIComponent(latest.id)}`}>
                <strong>
                  {latest.verdict
                    ? t.report.verdictNames[latest.verdict]
                    : t.report.statusNames[latest.status]}
                </strong>
              </a>
            </p>
          </section>
          <section aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{t.domainPage.timelineHeading}</h2>
            <VerdictTimeline t={t} domain={domain} entries={entries} />
          </section>
          <BadgeBox t={t} origin={origin} checkId={latest.id} domain={domain} />
          <HistoryList
            t={t}
            language={language}
            entries={entries}
            heading={t.domainPage.reportsHeading}
          />
        </>
      ) : (
        <p>{t.domainPage.noChecks}</p>
      )}
      <p>
        <a href="/">{t.report.newCheck}</a>
      </p>
    </Layout>
  );
}
