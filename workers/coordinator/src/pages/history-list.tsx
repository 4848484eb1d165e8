/** @jsxImportSource hono/jsx */
import type { Language, Messages } from "../i18n/index.ts";
import type { HistoryEntry } from "./history.ts";

export interface HistoryListProps {
  t: Messages;
  language: Language;
  entries: readonly HistoryEntry[];
  /** The report's "History" unless the page names it otherwise. */
  heading?: string;
}

export function HistoryList({ t, language, entries, heading }: HistoryListProps) {
  const dateFormat = new Intl.DateTimeFormat(language === "ja" ? "ja-JP" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  });
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">{heading ?? t.history.heading}</h2>
      {entries.length === 0 ? (
        <p>{t.history.empty}</p>
      ) : (
        <ul>
          {entries.map((entry) => (
            <li>
              <a href={`/report/${encodeURIComponent(entry.id)}`}>
                <time datetime={new Date(entry.createdAt).toISOString()}>
                  {`${dateFormat.format(new Date(entry.createdAt))} UTC`}
                </time>
              </a>
              {": "}
              {entry.verdict
                ? t.report.verdictNames[entry.verdict]
                : t.report.statusNames[entry.status]}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
