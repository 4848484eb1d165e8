/** @jsxImportSource hono/jsx */
import type { CheckView } from "../db/repository.ts";
import type { Messages } from "../i18n/index.ts";

export interface ProgressListProps {
  t: Messages;
  view: CheckView;
}

/** Each MX host x address x vantage with its state; the poll script updates the states. */
export function ProgressList({ t, view }: ProgressListProps) {
  return (
    <section aria-labelledby="progress-heading">
      <h2 id="progress-heading">{t.report.progressHeading}</h2>
      <p>{t.report.progressNote}</p>
      <ul
        id="progress"
        class="progress"
        data-check-id={view.check.id}
        data-labels={JSON.stringify(t.report.vantageStates)}
        aria-live="polite"
      >
        {view.mxHosts.map((mxHost) => (
          <li>
            {t.report.mxHost}: <code>{mxHost.host}</code>
            <ul>
              {mxHost.addresses.map((address) => (
                <li>
                  {t.report.address}: <code>{address.address}</code>
                  <ul>
                    {address.vantages.map((vantage) => (
                      <li data-key={`${mxHost.host}|${address.address}|${vantage.nodeId}`}>
                        {t.report.vantage(vantage.region, vantage.network)}:{" "}
                        <span class={`state state-${vantage.status}`}>
                          {t.report.vantageStates[vantage.status]}
                        </span>
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}
