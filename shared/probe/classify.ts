import type { CaseOutcome } from "../schemas/probe-result.ts";
import type { Reply } from "../smtp/types.ts";

/**
 * What one reply to MAIL or RCPT tells us. Reply codes alone overstate, so every rule here
 * separates "the server refused to relay" from answers that say nothing about relaying.
 */
export type ReplyMeaning =
  | { kind: "ok" }
  | { kind: "final"; outcome: CaseOutcome; note: string | null }
  /** Temporary: try the case again after `afterSeconds` (greylisting and friends). */
  | { kind: "retry"; afterSeconds: number; note: string }
  /** The server demands TLS before mail: upgrade and ask again. */
  | { kind: "tls-required" }
  /** The server is closing the connection (421): the case was not answered. */
  | { kind: "closing"; note: string };

const DOMAIN_NOT_FOUND =
  /domain not found|host or domain name not found|unresolvable|does not resolve|no mx|unrouteable|unroutable|name service error/i;
const CLIENT_BLOCKED =
  /client host .*(rejected|blocked)|blocked using|listed (at|in|on|by)|blacklist|blocklist|dnsbl|spamhaus|your (ip|network|host) .*(blocked|banned|not allowed)/i;
const AUTH_REQUIRED = /authenticat|auth(entication)? required|must authenticate|log ?in first/i;
const TLS_REQUIRED = /starttls|must issue a starttls|tls required|encryption required/i;
const RELAY_DENIED = /relay/i;
const GREYLIST = /grey|gray|try again|retry|temporar/i;

/** Seconds a server asks us to wait, from texts like "try again in 60 seconds" or "in 5 minutes". */
export function requestedDelaySeconds(text: string): number | null {
  const match = /(\d+)\s*(seconds?|secs?|s\b|minutes?|mins?)/i.exec(text);
  if (!match?.[1] || !match[2]) return null;
  const amount = Number.parseInt(match[1], 10);
  return /^m/i.test(match[2]) ? amount * 60 : amount;
}

const DEFAULT_RETRY_SECONDS = 60;

function sendersDomainUnknown(reply: Reply): boolean {
  return reply.enhanced?.endsWith(".1.8") === true || DOMAIN_NOT_FOUND.test(reply.text);
}

function recipientsDomainUnknown(reply: Reply): boolean {
  return reply.enhanced?.endsWith(".1.2") === true || DOMAIN_NOT_FOUND.test(reply.text);
}

function commonMeaning(reply: Reply): ReplyMeaning | null {
  if (reply.code === 421) return { kind: "closing", note: `server is closing: ${reply.text}` };
  if (reply.code === 530 && TLS_REQUIRED.test(reply.text)) return { kind: "tls-required" };
  if (reply.code === 530 || (reply.code >= 500 && AUTH_REQUIRED.test(reply.text))) {
    return { kind: "final", outcome: "auth-required", note: reply.text };
  }
  if (reply.code >= 500 && CLIENT_BLOCKED.test(reply.text)) {
    return {
      kind: "final",
      outcome: "untested",
      note: `the server blocks our client, which says nothing about relaying: ${reply.text}`,
    };
  }
  return null;
}

export function classifyMailReply(reply: Reply): ReplyMeaning {
  if (reply.code >= 200 && reply.code < 300) return { kind: "ok" };
  const common = commonMeaning(reply);
  if (common) return common;
  if (sendersDomainUnknown(reply)) {
    return {
      kind: "final",
      outcome: "untested",
      note: `sender refused because its domain did not resolve, which says nothing about relaying: ${reply.text}`,
    };
  }
  if (reply.code >= 400 && reply.code < 500) {
    return {
      kind: "retry",
      afterSeconds: requestedDelaySeconds(reply.text) ?? DEFAULT_RETRY_SECONDS,
      note: reply.text,
    };
  }
  return { kind: "final", outcome: "refused", note: null };
}

export function classifyRcptReply(reply: Reply): ReplyMeaning {
  if (reply.code >= 200 && reply.code < 300)
    return { kind: "final", outcome: "accepted", note: null };
  const common = commonMeaning(reply);
  if (common) return common;
  if (recipientsDomainUnknown(reply)) {
    return {
      kind: "final",
      outcome: "untested",
      note: `recipient domain reported as not found, which says nothing about relaying: ${reply.text}`,
    };
  }
  // Postfix's defer_unauth_destination answers 454 4.7.1 Relay access denied: a refusal.
  if (reply.code === 454 && RELAY_DENIED.test(reply.text)) {
    return { kind: "final", outcome: "refused", note: null };
  }
  if (reply.code >= 400 && reply.code < 500) {
    const delay = requestedDelaySeconds(reply.text);
    return {
      kind: "retry",
      afterSeconds: delay ?? DEFAULT_RETRY_SECONDS,
      note: GREYLIST.test(reply.text) ? `greylisted: ${reply.text}` : reply.text,
    };
  }
  return { kind: "final", outcome: "refused", note: null };
}
