/** @jsxImportSource hono/jsx */
import type { CheckView } from "../db/repository.ts";
import type { RetentionPolicy } from "../evidence/retention.ts";
import type { Messages } from "../i18n/index.ts";
import { CELL_OUTCOMES, type CellOutcome } from "./cell-outcome.ts";
import { CouldNotTestNote } from "./could-not-test-note.tsx";
import {
  type AddressGroup,
  type ProbedAddress,
  testedInstead,
  type VantageColumn,
  vantagePlace,
} from "./report-model.ts";

/** Shape and colour both carry the outcome; a hidden word carries it for screen readers. */
export const OUTCOME_SYMBOLS: Record<CellOutcome, string> = {
  accepted: "✗",
  delivered: "✉",
  refused: "✓",
  untested: "–",
  unanswered: "?",
};

export function OutcomeSymbol({ t, outcome }: { t: Messages; outcome: CellOutcome }) {
  return (
    <>
      <span aria-hidden="true">{OUTCOME_SYMBOLS[outcome]}</span>
      <span class="visually-hidden">{t.matrix.outcomeNames[outcome]}</span>
    </>
  );
}

function addressName(address: ProbedAddress): string {
  return address.mxHost === address.address
    ? address.address
    : `${address.mxHost} ${address.address}`;
}

export interface CaseMatrixProps {
  t: Messages;
  view: CheckView;
  groups: AddressGroup[];
  /** How long outcomes and evidence are kept, to say so where they have expired. */
  retention: RetentionPolicy;
}

/**
 * Cases by family as rows, vantages as columns. Addresses and vantages that saw the same share a
 * matrix and a column; the first group (an open one, when any) is shown, the rest on demand.
 */
export function CaseMatrix({ t, view, groups, retention }: CaseMatrixProps) {
  const ordered = [...groups].sort((a, b) => acceptedCount(b) - acceptedCount(a));
  const [first, ...rest] = ordered;
  if (!first) return null;
  return (
    <section aria-labelledby="matrix-heading" id="matrix">
      <h2 id="matrix-heading">{t.matrix.heading}</h2>
      {groups.length > 1 || first.addresses.length > 1 ? (
        <AddressSummary t={t} view={view} />
      ) : null}
      <p>
        {t.matrix.intro} {t.matrix.legend}:{" "}
        {CELL_OUTCOMES.map((outcome) => (
          <span class={`legend c-${outcome}`}>
            <span aria-hidden="true">{OUTCOME_SYMBOLS[outcome]}</span>{" "}
            {t.matrix.outcomeNames[outcome]}
          </span>
        ))}
      </p>
      <MatrixTable t={t} view={view} group={first} retention={retention} />
      {rest.length > 0 ? (
        <details>
          <summary>{t.matrix.otherGroups(rest.length)}</summary>
          {rest.map((group) => (
            <MatrixTable t={t} view={view} group={group} retention={retention} />
          ))}
        </details>
      ) : null}
      <div id="exchange" class="exchange" tabindex={-1} aria-live="polite" hidden>
        <p>{t.matrix.exchangeHint}</p>
      </div>
    </section>
  );
}

function acceptedCount(group: AddressGroup): number {
  return group.columns.reduce(
    (sum, column) =>
      sum +
      [...column.outcomes.values()].filter((o) => o === "accepted" || o === "delivered").length,
    0,
  );
}

function MatrixTable({
  t,
  view,
  group,
  retention,
}: {
  t: Messages;
  view: CheckView;
  group: AddressGroup;
  retention: RetentionPolicy;
}) {
  const reportPath = `/report/${encodeURIComponent(view.check.id)}`;
  const names = group.addresses.map(addressName).join(", ");
  return (
    <div class="table-wrap">
      <table class="matrix">
        <caption>
          {t.matrix.caption(names)}
          {group.addresses.length > 1 ? ` (${t.matrix.sameAddresses(group.addresses.length)})` : ""}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t.matrix.caseColumn}</th>
            {group.columns.map((column) => (
              <th scope="col">
                {column.vantages.map(vantagePlace).join(", ")}
                {column.vantages.length > 1 ? (
                  <span class="note">{t.matrix.sameAs(column.vantages.length)}</span>
                ) : null}
                {column.vantages[0]?.inside ? (
                  <span class="note">{t.vantages.insideMark}</span>
                ) : null}
              </th>
            ))}
          </tr>
        </thead>
        {group.families.map(({ family, caseIds }) => (
          <tbody>
            <tr class="family-row">
              <th scope="colgroup" colspan={group.columns.length + 1}>
                {t.advice.families[family].title}
              </th>
            </tr>
            {caseIds.map((caseId) => (
              <tr>
                <th scope="row">
                  <code>{caseId}</code>
                </th>
                {group.columns.map((column) => {
                  const [vantage] = column.vantages;
                  const row = vantage?.cases.find((entry) => entry.caseId === caseId);
                  const outcome = column.outcomes.get(caseId);
                  if (!vantage || !row || !outcome) return <td class="c" />;
                  return (
                    <td class={`c c-${outcome}`}>
                      <a
                        href={`${reportPath}/case/${encodeURIComponent(vantage.id)}/${row.index}`}
                        data-exchange=""
                      >
                        <OutcomeSymbol t={t} outcome={outcome} />
                      </a>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        ))}
      </table>
      {group.columns.map((column) => {
        const [vantage] = column.vantages;
        if (!vantage) return null;
        // Outcomes or evidence past their retention: say so rather than show empty cells.
        const expired = column.vantages.some((v) => v.outcomes === null && v.evidenceId !== null)
          ? t.report.outcomesExpired(retention.outcomeDays)
          : column.vantages.some((v) => v.evidence === "expired")
            ? t.report.evidenceExpired(retention.transcriptDays)
            : null;
        if (vantage.verdict !== "inconclusive" && expired === null) return null;
        // A vantage that could not test: what the server did, for each such column.
        return (
          <section aria-label={column.vantages.map(vantagePlace).join(", ")} class="column-note">
            <p>
              <strong>{column.vantages.map(vantagePlace).join(", ")}</strong>
            </p>
            {expired ? <p class="expired">{expired}</p> : null}
            <CouldNotTestNote t={t} verdict={vantage.verdict} reason={vantage.reason} />
            {vantage.status === "untestable" ? (
              <TestedInstead t={t} view={view} column={column} />
            ) : null}
          </section>
        );
      })}
    </div>
  );
}

/** Who tested the addresses of a column whose vantages could not speak TLS with them. */
function TestedInstead({
  t,
  view,
  column,
}: {
  t: Messages;
  view: CheckView;
  column: VantageColumn;
}) {
  const instead = [
    ...new Set(column.vantages.flatMap((v) => testedInstead(view, v)).map(vantagePlace)),
  ];
  return (
    <p>
      {instead.length > 0 ? t.vantages.testedInstead(instead.join(", ")) : t.vantages.noneInstead}
    </p>
  );
}

/** "Open relay from ap-northeast; Not an open relay from eu-west, us-east". */
function verdictsByVantage(
  t: Messages,
  vantages: CheckView["mxHosts"][number]["addresses"][number]["vantages"],
): [string, string, string[]][] {
  const byText = new Map<string, [string, string, string[]]>();
  for (const vantage of vantages) {
    const text =
      vantage.verdict && vantage.status !== "untestable"
        ? t.report.verdictNames[vantage.verdict]
        : t.report.vantageStates[vantage.status];
    const entry = byText.get(text) ?? [text, vantage.verdict ?? "inconclusive", []];
    entry[2].push(vantagePlace(vantage));
    byText.set(text, entry);
  }
  return [...byText.values()];
}

/** Several MX hosts or addresses: each one's verdict per vantage, before any detail. */
function AddressSummary({ t, view }: { t: Messages; view: CheckView }) {
  return (
    <div class="table-wrap">
      <table class="targets">
        <caption class="visually-hidden">{t.matrix.targetsHeading}</caption>
        <thead>
          <tr>
            <th scope="col">{t.matrix.targetColumns.host}</th>
            <th scope="col">{t.matrix.targetColumns.address}</th>
            <th scope="col">{t.matrix.targetColumns.verdicts}</th>
          </tr>
        </thead>
        <tbody>
          {view.mxHosts.flatMap((mxHost) =>
            mxHost.addresses.map((address) => (
              <tr>
                <td>
                  <code>{mxHost.host}</code>
                </td>
                <td>
                  <code>{address.address}</code>
                </td>
                <td>
                  {verdictsByVantage(t, address.vantages).map(([text, verdict, places], index) => (
                    <>
                      {index > 0 ? "; " : ""}
                      <strong class={`v-text-${verdict}`}>{text}</strong> {t.summary.from}{" "}
                      {places.join(", ")}
                    </>
                  ))}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}
