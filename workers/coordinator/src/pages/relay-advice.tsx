/** @jsxImportSource hono/jsx */
import type { CaseFamily, Messages } from "../i18n/index.ts";
import type { AcceptedTrick } from "./report-model.ts";

/** What each accepted family of tricks means and why it matters, one fold per family. */
export function RelayAdvice({ t, tricks }: { t: Messages; tricks: AcceptedTrick[] }) {
  const families = new Map<CaseFamily, string[]>();
  for (const trick of tricks)
    families.set(trick.family, [...(families.get(trick.family) ?? []), trick.caseId]);
  if (families.size === 0) return null;
  return (
    <section aria-labelledby="advice-heading">
      <h2 id="advice-heading">{t.advice.heading}</h2>
      <p>{t.advice.intro}</p>
      {[...families].map(([family, ids]) => {
        const text = t.advice.families[family];
        return (
          <details class="family">
            <summary>{text.title}</summary>
            <p>
              {t.advice.acceptedCases}:{" "}
              {ids.map((id, index) => (
                <>
                  {index > 0 ? ", " : ""}
                  <code>{id}</code>
                </>
              ))}
            </p>
            <p>
              <strong>{t.advice.meaning}:</strong> {text.meaning}
            </p>
            <p>
              <strong>{t.advice.danger}:</strong> {text.danger}
            </p>
            <p>
              <strong>{t.advice.fix}:</strong> {text.fix}
            </p>
          </details>
        );
      })}
      <p>{t.advice.retest}</p>
    </section>
  );
}
