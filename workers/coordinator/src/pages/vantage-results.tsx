/** @jsxImportSource hono/jsx */
import {
  MIN_INDEPENDENT_VANTAGES,
  outsideVantageCount,
} from "../../../../shared/probe/aggregate.ts";
import { vantageView } from "../checks/decide.ts";
import type { CheckView } from "../db/repository.ts";
import type { CanaryDeliveryRow } from "../db/schema.ts";
import type { RetentionPolicy } from "../evidence/retention.ts";
import type { Messages } from "../i18n/index.ts";
import { CaseTable } from "./case-table.tsx";
import { CouldNotTestNote } from "./could-not-test-note.tsx";

export interface VantageResultsProps {
  t: Messages;
  view: CheckView;
  deliveries: ReadonlyMap<string, CanaryDeliveryRow>;
  retention: RetentionPolicy;
}

export function VantageResults({ t, view, deliveries, retention }: VantageResultsProps) {
  const outside = outsideVantageCount(
    view.mxHosts.flatMap((host) => host.addresses.flatMap((a) => a.vantages.map(vantageView))),
  );
  const unavailable = view.check.mx?.unavailable ?? [];
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">{t.report.resultsHeading}</h2>
      <p>
        {t.report.outsideVantages(outside)}
        {outside < MIN_INDEPENDENT_VANTAGES ? <strong> {t.report.notCorroborated}</strong> : null}
      </p>
      {unavailable.length > 0 ? (
        <p>
          {t.report.unavailable(
            unavailable.map((node) => `${node.region} (${node.reason})`).join("; "),
          )}
        </p>
      ) : null}
      {view.mxHosts.map((mxHost) => (
        <section>
          <h3>
            {t.report.mxHost}: <code>{mxHost.host}</code>
          </h3>
          {mxHost.addresses.map((address) => {
            const origins = view.check.mx?.origins;
            const origin = origins?.[address.address];
            return [
              // Checks from before origins were recorded say nothing rather than "unknown".
              origins === undefined ? null : (
                <p>
                  <code>{address.address}</code>:{" "}
                  {origin
                    ? t.report.origin(origin.asns.map((asn) => `AS${asn}`).join(", "), origin.name)
                    : t.report.originUnknown}
                </p>
              ),
              ...address.vantages.map((vantage) => {
                const ranAt = vantage.location ? ` · ${t.report.ranAt(vantage.location)}` : "";
                const title = `${t.report.address} ${address.address} · ${t.report.vantage(vantage.region, vantage.network)}${ranAt}`;
                return (
                  <section>
                    <h4>{title}</h4>
                    {vantage.inside ? (
                      <p class="inside">
                        <strong>{t.report.inside}</strong>
                      </p>
                    ) : null}
                    <p>
                      {t.report.vantageVerdict}:{" "}
                      <strong>
                        {vantage.verdict && vantage.status !== "untestable"
                          ? t.report.verdictNames[vantage.verdict]
                          : t.report.vantageStates[vantage.status]}
                      </strong>
                      {vantage.reason ? ` — ${vantage.reason}` : ""}
                    </p>
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
            ];
          })}
        </section>
      ))}
    </section>
  );
}
