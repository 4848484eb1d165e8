/** @jsxImportSource hono/jsx */
import type { CheckView } from "../db/repository.ts";
import type { CaseFamily, Messages } from "../i18n/index.ts";
import {
  FAMILY_ORDER,
  FIX_SNIPPETS,
  familyOf,
  MAIL_SERVER_NAMES,
  MAIL_SERVERS,
} from "./case-families.ts";

/** The accepted case ids of the whole check, by family, in catalogue order. */
export function acceptedByFamily(view: CheckView): Map<CaseFamily, string[]> {
  const byFamily = new Map<CaseFamily, Set<string>>();
  for (const mxHost of view.mxHosts)
    for (const address of mxHost.addresses)
      for (const vantage of address.vantages)
        for (const row of vantage.cases) {
          if (row.outcome !== "accepted") continue;
          const family = familyOf(row.caseId);
          const ids = byFamily.get(family) ?? new Set<string>();
          ids.add(row.caseId);
          byFamily.set(family, ids);
        }
  const ordered = new Map<CaseFamily, string[]>();
  for (const family of FAMILY_ORDER) {
    const ids = byFamily.get(family);
    if (ids) ordered.set(family, [...ids]);
  }
  return ordered;
}

/** What each accepted trick means, why it matters, and the fix in five mail servers. */
export function RelayAdvice({ t, view }: { t: Messages; view: CheckView }) {
  const accepted = acceptedByFamily(view);
  if (accepted.size === 0) return null;
  return (
    <section aria-labelledby="advice-heading">
      <h2 id="advice-heading">{t.advice.heading}</h2>
      <p>{t.advice.intro}</p>
      {[...accepted].map(([family, ids]) => {
        const text = t.advice.families[family];
        return (
          <section class="family" aria-labelledby={`family-${family}`}>
            <h3 id={`family-${family}`}>{text.title}</h3>
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
          </section>
        );
      })}
      <section aria-labelledby="fix-heading">
        <h3 id="fix-heading">{t.advice.fixHeading}</h3>
        <p>{t.advice.fixIntro}</p>
        {MAIL_SERVERS.map((server) => (
          <section id={`fix-${server}`}>
            <h4>{MAIL_SERVER_NAMES[server]}</h4>
            <p>{t.advice.servers[server]}</p>
            <pre>
              <code>{FIX_SNIPPETS[server]}</code>
            </pre>
          </section>
        ))}
        <p>{t.advice.retest}</p>
      </section>
    </section>
  );
}
