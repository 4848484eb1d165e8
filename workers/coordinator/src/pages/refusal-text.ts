import type { Messages, RefusalCode } from "../i18n/messages.ts";

/**
 * A refusal as the form shows it: the page language's sentence for its code, then the server's
 * own detail (English, naming the address, name or wait) so nothing specific is lost.
 */
export function refusalText(t: Messages, code: string, detail: string): string {
  const sentence = t.form.refusals[code as RefusalCode];
  return sentence ? `${sentence}（${detail}）` : detail;
}
