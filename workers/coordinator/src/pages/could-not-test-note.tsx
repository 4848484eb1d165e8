/** @jsxImportSource hono/jsx */
import type { Verdict } from "../../../../shared/schemas/probe-result.ts";
import { couldNotTest } from "../../../../shared/verdict/could-not-test.ts";
import type { Messages } from "../i18n/index.ts";

export interface CouldNotTestNoteProps {
  t: Messages;
  verdict: Verdict | null;
  reason: string | null;
}

/**
 * Beside an inconclusive result: what the server did, that this is no failure of its relay
 * protection, and what its administrator can do. Nothing for any other verdict.
 */
export function CouldNotTestNote({ t, verdict, reason }: CouldNotTestNoteProps) {
  const words = couldNotTest(t.couldNotTest, verdict, reason);
  if (words === null) return null;
  return (
    <dl class="could-not-test">
      <dt>{t.couldNotTest.serverDidLabel}</dt>
      <dd>
        {words.serverDid} {words.notAFailure}
      </dd>
      <dt>{t.couldNotTest.whatToDoLabel}</dt>
      <dd>
        {words.whatToDo} <a href="/about/probes">{t.probes.title}</a>
      </dd>
    </dl>
  );
}
