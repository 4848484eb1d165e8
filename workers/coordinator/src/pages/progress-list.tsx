/** @jsxImportSource hono/jsx */
import type { CheckView, VantageDetail } from "../db/repository.ts";
import type { Messages } from "../i18n/index.ts";
import { OutcomeSymbol } from "./case-matrix.tsx";
import { plainCellOutcome } from "./cell-outcome.ts";
import { vantagePlace } from "./report-model.ts";

/** Slower than this per case, or silent this long, and the page explains the wait. */
const SLOW_CASE_MS = 1_000;
const SILENT_MS = 5_000;

export interface ProgressListProps {
  t: Messages;
  view: CheckView;
  now: number;
}

/**
 * Each MX host x address x vantage with a bar (cases answered of the suite) and the cases as
 * they are answered; the poll script replaces this section with a fresh one every 2 s.
 */
export function ProgressList({ t, view, now }: ProgressListProps) {
  return (
    <section aria-labelledby="progress-heading" id="progress">
      <h2 id="progress-heading">{t.report.progressHeading}</h2>
      <p>{t.report.progressNote}</p>
      <ul class="progress">
        {view.mxHosts.flatMap((mxHost) =>
          mxHost.addresses.flatMap((address) =>
            address.vantages.map((vantage) => (
              <li>
                <VantageProgressItem
                  t={t}
                  label={`${mxHost.host} ${address.address} · ${vantagePlace(vantage)}`}
                  vantage={vantage}
                  deadline={view.check.deadlineAt}
                  now={now}
                />
              </li>
            )),
          ),
        )}
      </ul>
    </section>
  );
}

function VantageProgressItem({
  t,
  label,
  vantage,
  deadline,
  now,
}: {
  t: Messages;
  label: string;
  vantage: VantageDetail;
  deadline: number;
  now: number;
}) {
  const progress = vantage.progress;
  const answered =
    vantage.status === "pending"
      ? (progress?.answered ?? [])
      : vantage.cases.map((row) => ({ id: row.caseId, outcome: row.outcome }));
  const total = vantage.status === "pending" ? (progress?.cases ?? null) : answered.length;
  const state =
    vantage.status !== "pending"
      ? t.report.vantageStates[vantage.status]
      : total === null
        ? t.progress.waiting
        : t.progress.answered(answered.length, total);
  const remaining =
    progress && vantage.status === "pending" ? slowEstimate(progress, deadline, now) : null;
  return (
    <>
      <span class="progress-label">{label}</span>{" "}
      <progress max={total ?? 1} value={total === null ? 0 : answered.length} aria-label={label} />{" "}
      <span class={`state state-${vantage.status}`}>{state}</span>
      {remaining !== null ? <p class="slow">{t.progress.slow(remaining)}</p> : null}
      {answered.length > 0 ? (
        <ol class="answered" aria-label={t.progress.casesSoFar}>
          {answered.map((entry) => {
            const outcome = plainCellOutcome(entry.outcome);
            return (
              <li class={`c-${outcome}`}>
                <code>{entry.id}</code> <OutcomeSymbol t={t} outcome={outcome} />
              </li>
            );
          })}
        </ol>
      ) : null}
    </>
  );
}

/**
 * Seconds left when the server is slowing the run (a tarpit delays every reply, greylisting
 * makes cases wait for a retry): the pace so far, projected over the cases left, capped by the
 * check's deadline. Null while the run goes at a normal pace.
 */
export function slowEstimate(
  progress: NonNullable<VantageDetail["progress"]>,
  deadline: number,
  now: number,
): number | null {
  const answered = progress.answered.length;
  const elapsed = now - progress.startedAt;
  const perCase = answered > 0 ? elapsed / answered : elapsed;
  if (perCase < SLOW_CASE_MS && now - progress.updatedAt < SILENT_MS) return null;
  const left = progress.cases === null ? null : Math.max(progress.cases - answered, 0);
  const projected = left === null ? deadline - now : perCase * left;
  return Math.max(1, Math.ceil(Math.min(projected, deadline - now) / 1000));
}
