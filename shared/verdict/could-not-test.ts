import { z } from "zod";
import type { Verdict } from "../schemas/probe-result.ts";

/**
 * Why a vantage could not test, in the terms a mail administrator acts on. An inconclusive
 * result is about the test, not about the server's relay protection: the report says what the
 * server did, that this is no failure of its relay rules, and what the admin can do.
 */
export const CouldNotTestKind = z.enum([
  "blocked",
  "rate-limited",
  "greylisted",
  "tarpitted",
  "unreachable",
  "tls-not-testable-here",
  "tls",
  "other",
]);
export type CouldNotTestKind = z.infer<typeof CouldNotTestKind>;

/** The words of the API report; the page says the same in its own language. */
export const CouldNotTest = z
  .object({
    kind: CouldNotTestKind,
    serverDid: z.string().describe("what the server did"),
    notAFailure: z.string().describe("that this is no failure of its relay protection"),
    whatToDo: z.string().describe("what its administrator can do"),
  })
  .describe("why an inconclusive result could not test; null for any other verdict");
export type CouldNotTest = z.infer<typeof CouldNotTest>;

/** What the report says about each kind, in one language (the page adds its own labels). */
export interface CouldNotTestWords {
  notAFailure: string;
  kinds: Record<CouldNotTestKind, { serverDid: string; whatToDo: string }>;
}

/** The API speaks English; the CLI's JSON repeats the API, and the page's English is the same. */
export const API_COULD_NOT_TEST_WORDS: CouldNotTestWords = {
  notAFailure:
    "This is not a failure of the server's relay protection: the test could not run, so it says nothing either way.",
  kinds: {
    blocked: {
      serverDid:
        "It refused our probe as a client (a blocklist, a policy or a firewall) before the relay cases could be tried.",
      whatToDo:
        "To get a full result, let our published probe addresses (see the probes page, /about/probes) through for SMTP, then test again. Keeping the block is fine; the result then stays inconclusive.",
    },
    "rate-limited": {
      serverDid:
        "It limited our connections or commands (for example 421 too many connections) before every case was answered.",
      whatToDo:
        "Exempt our published probe addresses (/about/probes) from the connection or rate limit, or test again later.",
    },
    greylisted: {
      serverDid:
        "It greylisted our attempts and was still asking us to come back later when the test's time ran out.",
      whatToDo:
        "Add our published probe addresses (/about/probes) to the greylisting allow list, or test again: a second test is often let through.",
    },
    tarpitted: {
      serverDid:
        "It answered so slowly, or not at all, that the test's time ran out before every case was answered (a tarpit or an overloaded server).",
      whatToDo:
        "Exempt our published probe addresses (/about/probes) from the tarpit or delays, or test again later.",
    },
    unreachable: {
      serverDid: "We could not connect to it on this port from this vantage.",
      whatToDo:
        "Check that the server accepts connections on this port from the Internet (firewall, address in DNS), then test again.",
    },
    "tls-not-testable-here": {
      serverDid:
        "It offers TLS, and the handshake did not complete from this vantage: its runtime (Cloudflare Workers, workerd) verifies every certificate itself and cannot be told not to. Mail servers that send to you usually do not verify, so this is a limit of this vantage and says nothing about your certificate.",
      whatToDo:
        "Nothing to change for this test: a vantage on Node.js tests such a server and records its certificate (named in the report when one took over); otherwise test again later.",
    },
    tls: {
      serverDid:
        "It insists on TLS, and the TLS handshake failed from this vantage (see the reason).",
      whatToDo:
        "Check that the certificate chain is complete and valid for the server's name, then test again.",
    },
    other: {
      serverDid: "Its answers did not let the test decide (see the reason and the SMTP log).",
      whatToDo: "Read the SMTP log below; test again later.",
    },
  },
};

/** First match wins: a 421 "too many connections" is a rate limit, not a block. */
const PATTERNS: [CouldNotTestKind, RegExp][] = [
  ["greylisted", /greylist|graylist|still deferred at the deadline/i],
  [
    "rate-limited",
    /too many|rate.?limit|slow down|not accepting connections now|try again later|\b421\b/i,
  ],
  [
    "blocked",
    /refused our client|blocks our client|block ?list|black ?list|blocked|banned|listed (at|in|on|by)|not allowed|\b554\b/i,
  ],
  ["tarpitted", /\btarpit|\btimeout\b|timed out|no answer|stalled|time budget/i],
  // The vantage's runtime verifies every certificate (Workers, workerd): its limit, not the server's.
  ["tls-not-testable-here", /TLS not testable from this vantage/],
  ["tls", /starttls failed|\btls\b/i],
  ["unreachable", /\bconnect\b|connection refused|unreachable|could not open a session/i],
];

/** The kind of an inconclusive verdict, from its reason; null for any other verdict. */
export function couldNotTestKind(
  verdict: Verdict | null,
  reason: string | null,
): CouldNotTestKind | null {
  if (verdict !== "inconclusive") return null;
  const text = reason ?? "";
  return PATTERNS.find(([, pattern]) => pattern.test(text))?.[0] ?? "other";
}

/**
 * Why a result could not test, in `words`: what the server did, that this is no failure of its
 * relay protection, and what its administrator can do. Null unless the verdict is inconclusive.
 */
export function couldNotTest(
  words: CouldNotTestWords,
  verdict: Verdict | null,
  reason: string | null,
): CouldNotTest | null {
  const kind = couldNotTestKind(verdict, reason);
  if (kind === null) return null;
  const { serverDid, whatToDo } = words.kinds[kind];
  return { kind, serverDid, notAFailure: words.notAFailure, whatToDo };
}
