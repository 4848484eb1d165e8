/** @jsxImportSource hono/jsx */
import type { ReadView } from "../checks/read.ts";
import type { CanaryDeliveryRow } from "../db/schema.ts";
import type { RetentionPolicy } from "../evidence/retention.ts";
import type { Messages } from "../i18n/index.ts";
import { CaseTable } from "./case-table.tsx";
import { CouldNotTestNote } from "./could-not-test-note.tsx";

export interface VantageResultsProps {
  t: Messages;
  view: ReadView;
  deliveries: ReadonlyMap<string, CanaryDeliveryRow>;
  retention: RetentionPolicy;
}

export function VantageResults({ t, view, deliveries, retention }: VantageResultsProps) {
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">{t.report.resultsHeading}</h2>
      {view.mxHosts.map((mxHost) => (
        <section>
          <h3>
            {t.report.mxHost}: <code>{mxHost.host}</code>
          </h3>
          {mxHost.addresses.map((address) =>
            address.vantages.map((vantage) => {
              const title = `${t.report.address} ${address.address} · ${t.report.vantage(vantage.region, vantage.network)}`;
              return (
                <section>
                  <h4>{title}</h4>
                  <p>
                    {t.report.vantageVerdict}:{" "}
                    <strong>
                      {vantage.verdict && vantage.status !== "untestable"
                        ? t.report.verdictNames[vantage.verdict]
                        : t.report.vantageStates[vantage.status]}
                    </strong>
                    {vantage.reason ? ` — ${vantage.reason}` : ""}
                  </p>
                  <ListedNote t={t} zones={view.listedNodes.get(vantage.nodeId) ?? []} />
                  <CouldNotTestNote t={t} verdict={vantage.verdict} reason={vantage.reason} />
                  {/* Retention cleared the outcomes; a vantage refused at the greeting has none. */}
                  {vantage.outcomes === null && vantage.evidenceId !== null ? (
                    <p class="expired">{t.report.outcomesExpired(retention.outcomeDays)}</p>
                  ) : vantage.evidence === "expired" ? (
                    <p class="expired">{t.report.evidenceExpired(retention.transcriptDays)}</p>
                  ) : null}
                  {vantage.cases.length > 0 ? (
                    <CaseTable
                      t={t}
                      vantage={vantage}
                      caption={title}
                      check={view.check}
                      deliveries={deliveries}
                    />
                  ) : null}
                </section>
              );
            }),
          )}
        </section>
      ))}
    </section>
  );
}

/** The mark of a vantage whose node was on a blocklist when the check ran. */
function ListedNote({ t, zones }: { t: Messages; zones: string[] }) {
  if (zones.length === 0) return null;
  return (
    <p class="listed">
      <span aria-hidden="true">⚠ </span>
      {t.report.listedVantage(zones.join(", "))}
    </p>
  );
}
