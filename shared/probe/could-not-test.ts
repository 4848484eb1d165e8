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
