/**
 * Which mail server software a target runs, from what it says about itself: the greeting and the
 * EHLO answer. Only a hint for the advice (a server may hide or fake its name), so "unknown" is
 * a normal answer and every fix stays one click away.
 */

export const MAIL_SERVER_SOFTWARE = [
  "postfix",
  "exim",
  "sendmail",
  "exchange",
  "opensmtpd",
  "haraka",
] as const;
export type MailServerSoftware = (typeof MAIL_SERVER_SOFTWARE)[number];

export interface MailServerClues {
  /** The greeting, "220 mx.example.org ESMTP Postfix (Debian/GNU)". */
  banner: string | null;
  /** EHLO keywords and their parameters, as the server listed them. */
  extensions: readonly string[];
  /** The first line of the EHLO answer, "mx.example.org Hello ... [192.0.2.1]", when known. */
  ehloGreeting?: string | null;
}

export interface MailServerGuess {
  software: MailServerSoftware | "unknown";
  /** What gave it away, quoted from the server; null when nothing did. */
  evidence: string | null;
}

/** Names in the greeting or the EHLO greeting, in the order servers print them. */
const NAME_PATTERNS: readonly [MailServerSoftware, RegExp][] = [
  ["postfix", /\bpostfix\b/i],
  ["exim", /\bexim\b/i],
  ["sendmail", /\bsendmail\b/i],
  ["opensmtpd", /\bopensmtpd\b/i],
  ["haraka", /\bharaka\b/i],
  ["exchange", /\bmicrosoft\b.*\b(esmtp|exchange|smtp)\b/i],
];

/** EHLO keywords only one family sends (Exchange's X-EXPS and friends, Exim's PIPE_CONNECT). */
const EXTENSION_PATTERNS: readonly [MailServerSoftware, RegExp][] = [
  ["exchange", /^(X-EXPS|XEXCH50|X-ANONYMOUSTLS|X-LINK2STATE|XRDST|XSHADOW)\b/i],
  ["exim", /^X?_?PIPE_CONNECT\b/i],
  ["sendmail", /^(VERB|DELIVERBY)\b/i],
];

/**
 * The words after the server's own name: "220 mx.postfix.example ESMTP" names a host, not its
 * software, so the name (and the reply code before it) is left out of the search.
 */
function afterHostName(text: string): string {
  return text.replace(/^\d{3}[ -](?:\d\.\d{1,3}\.\d{1,3} )?/, "").replace(/^\S+\s*/, "");
}

export function detectMailServer(clues: MailServerClues): MailServerGuess {
  for (const text of [clues.banner, clues.ehloGreeting ?? null]) {
    if (!text) continue;
    const words = afterHostName(text);
    for (const [software, pattern] of NAME_PATTERNS)
      if (pattern.test(words)) return { software, evidence: text };
  }
  for (const extension of clues.extensions)
    for (const [software, pattern] of EXTENSION_PATTERNS)
      if (pattern.test(extension)) return { software, evidence: `EHLO ${extension}` };
  return { software: "unknown", evidence: null };
}
