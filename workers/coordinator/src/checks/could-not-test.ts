import { type CouldNotTest, couldNotTestKind } from "../../../../shared/probe/could-not-test.ts";
import type { Verdict } from "../../../../shared/schemas/probe-result.ts";
import type { Messages } from "../i18n/index.ts";

/**
 * Why a result could not test, in the words of `t`: what the server did, that this is no failure
 * of its relay protection, and what its administrator can do. Null unless the verdict is
 * inconclusive. The API says it in English, the page in the page's language.
 */
export function couldNotTest(
  t: Messages,
  verdict: Verdict | null,
  reason: string | null,
): CouldNotTest | null {
  const kind = couldNotTestKind(verdict, reason);
  if (kind === null) return null;
  const words = t.couldNotTest.kinds[kind];
  return {
    kind,
    serverDid: words.serverDid,
    notAFailure: t.couldNotTest.notAFailure,
    whatToDo: words.whatToDo,
  };
}
