/** @jsxImportSource hono/jsx */
import type { Messages } from "../i18n/index.ts";

export interface BadgeBoxProps {
  t: Messages;
  origin: string;
  checkId: string;
  domain: string;
}

export function badgeSnippets({ origin, checkId, domain }: Omit<BadgeBoxProps, "t">) {
  const reportUrl = `${origin}/report/${encodeURIComponent(checkId)}`;
  const badgeUrl = `${origin}/badge/${encodeURIComponent(domain)}.svg`;
  const alt = "Relaywatch: relay test";
  return {
    html: `<a href="${reportUrl}"><img src="${badgeUrl}" alt="${alt}"></a>`,
    markdown: `[![${alt}](${badgeUrl})](${reportUrl})`,
    restructuredText: `.. image:: ${badgeUrl}\n   :alt: ${alt}\n   :target: ${reportUrl}`,
  };
}

/** Copyable snippets; shown as text (escaped), never inserted as markup. */
export function BadgeBox({ t, ...target }: BadgeBoxProps) {
  const snippets = badgeSnippets(target);
  return (
    <section aria-labelledby="badge-heading">
      <h2 id="badge-heading">{t.badge.heading}</h2>
      <p>{t.badge.intro}</p>
      <h3 id="badge-html">{t.badge.html}</h3>
      <pre>
        <code>{snippets.html}</code>
      </pre>
      <h3 id="badge-markdown">{t.badge.markdown}</h3>
      <pre>
        <code>{snippets.markdown}</code>
      </pre>
      <h3 id="badge-rst">{t.badge.restructuredText}</h3>
      <pre>
        <code>{snippets.restructuredText}</code>
      </pre>
    </section>
  );
}
