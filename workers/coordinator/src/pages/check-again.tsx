/** @jsxImportSource hono/jsx */
import type { CheckRow } from "../db/schema.ts";
import type { Messages } from "../i18n/index.ts";
import type { CaseChanges } from "./changes.ts";

/** The form field that asks for the same target again, as a visitor would type it. */
export function targetFieldOf(check: Pick<CheckRow, "kind" | "target" | "port">): string {
  const host = check.target.includes(":") ? `[${check.target}]` : check.target;
  if (check.kind === "host") return `${host}:${check.port ?? 25}`;
  return check.port === null ? host : `${host}:${check.port}`;
}

export interface CheckAgainProps {
  t: Messages;
  check: CheckRow;
  implicitTls: boolean;
  /** Seconds until the target's cool-down allows a new check; 0 when it does now. */
  waitSeconds: number;
}

/**
 * "Did my fix work?": the same target again, through the page's own form. While the cool-down
 * runs the button says how long; the script counts down and enables it.
 */
export function CheckAgain({ t, check, implicitTls, waitSeconds }: CheckAgainProps) {
  return (
    <form method="post" action="/check" class="again">
      <input type="hidden" name="target" value={targetFieldOf(check)} />
      {implicitTls ? <input type="hidden" name="implicit_tls" value="on" /> : null}
      <button
        type="submit"
        disabled={waitSeconds > 0}
        data-wait={waitSeconds > 0 ? String(waitSeconds) : undefined}
        data-label={t.again.button}
      >
        {waitSeconds > 0 ? t.again.waitFor(waitSeconds) : t.again.button}
      </button>
    </form>
  );
}

export function ChangeSummary({ t, changes }: { t: Messages; changes: CaseChanges }) {
  const list = (ids: string[]) =>
    ids.map((id, index) => (
      <>
        {index > 0 ? ", " : ""}
        <code>{id}</code>
      </>
    ));
  return (
    <section aria-labelledby="changes-heading" class="changes">
      <h2 id="changes-heading">{t.again.changesHeading}</h2>
      <p>
        <a href={`/report/${encodeURIComponent(changes.previous.id)}`}>{t.again.previous}</a>
        {changes.previous.verdict ? `: ${t.report.verdictNames[changes.previous.verdict]}` : ""}
      </p>
      {changes.nowRefused.length === 0 && changes.nowAccepted.length === 0 ? (
        <p>{t.again.noChanges}</p>
      ) : (
        <ul>
          {changes.nowRefused.length > 0 ? (
            <li class="c-refused">
              <strong>{t.again.nowRefused}:</strong> {list(changes.nowRefused)}
            </li>
          ) : null}
          {changes.nowAccepted.length > 0 ? (
            <li class="c-accepted">
              <strong>{t.again.nowAccepted}:</strong> {list(changes.nowAccepted)}
            </li>
          ) : null}
        </ul>
      )}
    </section>
  );
}
