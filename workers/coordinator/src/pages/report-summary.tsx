/** @jsxImportSource hono/jsx */
import {
  MAIL_SERVER_SOFTWARE,
  type MailServerGuess,
} from "../../../../shared/probe/mail-server-software.ts";
import type { Messages } from "../i18n/index.ts";
import { FIX_SNIPPETS, MAIL_SERVER_NAMES } from "./mail-server-fixes.ts";
import { type AcceptedTrick, vantagePlace } from "./report-model.ts";

/** Families shown above the fold; the rest are one line and the matrix. */
const SHOWN_FAMILIES = 4;

/** The accepted tricks in words, each with the exact envelope, from where and on which address. */
export function AcceptedTricks({ t, tricks }: { t: Messages; tricks: AcceptedTrick[] }) {
  const byFamily = new Map<string, AcceptedTrick[]>();
  for (const trick of tricks)
    byFamily.set(trick.family, [...(byFamily.get(trick.family) ?? []), trick]);
  const families = [...byFamily.values()];
  const hidden = families.slice(SHOWN_FAMILIES).reduce((sum, group) => sum + group.length, 0);
  return (
    <section aria-labelledby="tricks-heading" class="tricks">
      <h2 id="tricks-heading">{t.summary.tricksHeading}</h2>
      {tricks.length === 0 ? (
        <p>{t.summary.noTricks}</p>
      ) : (
        <ul>
          {families.slice(0, SHOWN_FAMILIES).map((group) => {
            const [first] = group as [AcceptedTrick, ...AcceptedTrick[]];
            const others = group.length - 1;
            return (
              <li>
                <strong>{t.advice.families[first.family].title}</strong>{" "}
                <span class="case-id">
                  (<code>{first.caseId}</code>
                  {others > 0 ? ` +${others}` : ""})
                </span>
                <br />
                <code class="envelope">MAIL FROM:{first.mailFrom}</code>{" "}
                <code class="envelope">RCPT TO:{first.rcptTo}</code>
                <br />
                <span class="where">
                  {t.summary.from}{" "}
                  {first.vantages
                    .map((v) =>
                      v.inside ? `${vantagePlace(v)}, ${t.vantages.insideMark}` : vantagePlace(v),
                    )
                    .join("; ")}{" "}
                  · {t.summary.on} {first.addresses.join(", ")}
                  {first.delivered ? ` · ${t.summary.delivered}` : ""}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {hidden > 0 ? <p>{t.summary.more(hidden)}</p> : null}
    </section>
  );
}

/** The fix for the software the server named first, copyable; the others folded. */
export function FixForServer({ t, guess }: { t: Messages; guess: MailServerGuess }) {
  const detected = guess.software === "unknown" ? null : guess.software;
  const others = MAIL_SERVER_SOFTWARE.filter((server) => server !== detected);
  return (
    <section aria-labelledby="fix-heading" class="fix">
      <h2 id="fix-heading">{t.summary.fixHeading}</h2>
      {detected ? (
        <>
          <p>
            {t.summary.detected(MAIL_SERVER_NAMES[detected])} {t.advice.servers[detected]}
          </p>
          <Snippet t={t} id={`fix-${detected}`} text={FIX_SNIPPETS[detected]} />
          {guess.evidence ? (
            <p class="evidence">
              {t.summary.evidence}: <code>{guess.evidence}</code>
            </p>
          ) : null}
        </>
      ) : (
        <p>{t.summary.unknownServer}</p>
      )}
      <details>
        <summary>{t.summary.otherServers}</summary>
        {others.map((server) => (
          <section aria-label={MAIL_SERVER_NAMES[server]}>
            <h3>{MAIL_SERVER_NAMES[server]}</h3>
            <p>{t.advice.servers[server]}</p>
            <Snippet t={t} id={`fix-${server}`} text={FIX_SNIPPETS[server]} />
          </section>
        ))}
      </details>
    </section>
  );
}

/** A configuration snippet; the copy button is shown by the script, text selection works without. */
function Snippet({ t, id, text }: { t: Messages; id: string; text: string }) {
  return (
    <div class="snippet">
      <pre id={id}>
        <code>{text}</code>
      </pre>
      <button type="button" class="copy" data-copy={id} data-copied={t.summary.copied} hidden>
        {t.summary.copy}
      </button>
    </div>
  );
}
