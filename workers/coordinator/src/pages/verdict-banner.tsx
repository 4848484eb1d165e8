/** @jsxImportSource hono/jsx */
import type { Verdict } from "../../../../shared/schemas/probe-result.ts";
import type { Messages } from "../i18n/index.ts";

/** Icons repeat the verdict's meaning in shape, so it never rests on colour alone. */
const VERDICT_ICONS: Record<Verdict, string> = {
  open: "✖",
  suspect: "⚠",
  closed: "✔",
  inconclusive: "?",
};

export interface VerdictBannerProps {
  t: Messages;
  verdict: Verdict | null;
  reason: string | null;
  disagreement: string | null;
}

export function VerdictBanner({ t, verdict, reason, disagreement }: VerdictBannerProps) {
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
          {reason ? (
            <span>
              {t.report.reason}: {reason}
            </span>
          ) : null}
        </div>
      </div>
      {disagreement ? (
        <p>
          <strong>{t.report.disagreement}:</strong> {disagreement}
        </p>
      ) : null}
    </section>
  );
}
