/** @jsxImportSource hono/jsx */
import type { Verdict } from "../../../../shared/schemas/probe-result.ts";
import type { Messages } from "../i18n/index.ts";
import type { VerdictLabel } from "../proof/verdict-label.ts";
import { CouldNotTestNote } from "./could-not-test-note.tsx";

/** Icons repeat the verdict's meaning in shape, so it never rests on colour alone. */
const VERDICT_ICONS: Record<Verdict, string> = {
  open: "✖",
  suspect: "⚠",
  closed: "✔",
  inconclusive: "?",
};

/** Longer reasons (every accepted case, in words) fold after this, so the first screen holds. */
const REASON_SHOWN_CHARS = 140;

function Reason({ t, reason }: { t: Messages; reason: string }) {
  if (reason.length <= REASON_SHOWN_CHARS)
    return (
      <span>
        {t.report.reason}: {reason}
      </span>
    );
  const cut = reason.lastIndexOf(" ", REASON_SHOWN_CHARS);
  return (
    <details class="reason">
      <summary>
        {t.report.reason}: {reason.slice(0, cut > 0 ? cut : REASON_SHOWN_CHARS)}…
      </summary>
      <p>{reason}</p>
    </details>
  );
}

export interface VerdictBannerProps {
  t: Messages;
  verdict: Verdict | null;
  reason: string | null;
  disagreement: string | null;
  /** The verdict with delivery proof taken into account; null before there is a verdict. */
  label: VerdictLabel | null;
  /** True while canary messages may still arrive. */
  awaitingDelivery: boolean;
}

export function VerdictBanner({
  t,
  verdict,
  reason,
  disagreement,
  label,
  awaitingDelivery,
}: VerdictBannerProps) {
  const shown = verdict ?? "inconclusive";
  return (
    <section aria-labelledby="verdict-heading">
      <h2 id="verdict-heading">{t.report.verdictHeading}</h2>
      <div class={`verdict v-${shown}`}>
        <span class="icon" aria-hidden="true">
          {VERDICT_ICONS[shown]}
        </span>
        <div>
          <strong>{verdict ? t.report.verdictNames[verdict] : t.report.noVerdict}</strong>
          {label ? (
            <span class="verdict-label">
              {t.report.verdictLabels[label]}
              {awaitingDelivery ? ` (${t.report.awaitingDelivery})` : ""}
            </span>
          ) : null}
          {reason ? <Reason t={t} reason={reason} /> : null}
        </div>
      </div>
      <CouldNotTestNote t={t} verdict={verdict} reason={reason} />
      {disagreement ? (
        <p>
          <strong>{t.report.disagreement}:</strong> {disagreement}
        </p>
      ) : null}
    </section>
  );
}
