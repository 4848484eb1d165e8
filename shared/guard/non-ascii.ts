/** Explaining non-ASCII host input, which the guard never accepts. */
import { codePointName, shown } from "./display.ts";
import { validateHostName } from "./host-name.ts";

const INVISIBLE_OR_SPACE = /[\p{Cc}\p{Cf}\p{Z}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const PRINTABLE_ASCII = /^[ -~]+$/;
const NAME_LIKE = /^[\p{L}\p{M}\p{N}.-]+$/u;

/**
 * Relaywatch takes internationalized names only in their punycode (xn--) form, so that the
 * name the user sees is the name tested: "mаil.example.org" with a Cyrillic "а" is a
 * different host from "mail.example.org".
 */
export function nonAsciiMessage(input: string): string {
  const offending = Array.from(input).find((character) => character > "\u007f") ?? "";
  if (INVISIBLE_OR_SPACE.test(offending)) {
    return (
      `${shown(input)} contains an invisible or space character (${codePointName(offending)}), ` +
      "often pasted by accident; type the host name again"
    );
  }
  const lookalike = offending.normalize("NFKC");
  if (PRINTABLE_ASCII.test(lookalike)) {
    return (
      `${shown(input)} contains "${offending}" (${codePointName(offending)}), which looks like ` +
      `"${lookalike}" but is a different character; type the host with plain ASCII characters`
    );
  }
  const quoted = LETTER_OR_DIGIT.test(offending) ? `"${offending}" ` : "";
  const punycode = punycodeOf(input);
  const suggestion = punycode === null ? " (xn--...)" : `: ${punycode}`;
  return (
    `${shown(input)} contains the non-ASCII character ${quoted}(${codePointName(offending)}); ` +
    `enter internationalized names in their punycode form${suggestion}`
  );
}

/**
 * The punycode spelling, for the message only: never used as a target. The WHATWG URL parser
 * applies UTS #46 in both Node and Workers.
 */
function punycodeOf(input: string): string | null {
  if (!NAME_LIKE.test(input)) return null;
  try {
    const hostname = new URL(`http://${input}/`).hostname;
    if (!hostname.includes("xn--")) return null;
    return validateHostName(hostname.replace(/\.$/, ""));
  } catch {
    return null;
  }
}
