/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { LANGUAGES, type Language, messagesFor } from "../i18n/index.ts";
import { PAGE_CSS } from "./styles.ts";

export interface LayoutProps {
  language: Language;
  title: string;
  /** Where the language links point: the current page, without its query. */
  path: string;
  /** Extra head content: the refresh of a report in progress, the Turnstile script. */
  head?: Child;
  children?: Child;
}

export function Layout({ language, title, path, head, children }: LayoutProps) {
  const t = messagesFor(language);
  return (
    <html lang={language}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${t.siteTitle}`}</title>
        <style dangerouslySetInnerHTML={{ __html: PAGE_CSS }} />
        {head}
      </head>
      <body>
        <a class="skip" href="#content">
          {t.skipToContent}
        </a>
        <header>
          <p>
            <a class="brand" href="/">
              {t.siteTitle}
            </a>
          </p>
          <nav aria-label={t.languageSwitchLabel}>
            <ul>
              {LANGUAGES.map((option) => {
                const name = messagesFor(option).languageName;
                return (
                  <li>
                    <a
                      href={`${path}?lang=${option}`}
                      lang={option}
                      hreflang={option}
                      aria-current={option === language ? "true" : undefined}
                    >
                      {name}
                    </a>
                  </li>
                );
              })}
            </ul>
          </nav>
        </header>
        <main id="content" tabindex={-1}>
          {children}
        </main>
        <footer>
          <p>{t.tagline}</p>
          <p>
            <a href="/about/probes">{t.probes.title}</a>
          </p>
        </footer>
      </body>
    </html>
  );
}
