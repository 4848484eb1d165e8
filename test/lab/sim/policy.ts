/**
 * What makes one lab server differ from another. The shared machinery in smtp-server.ts runs
 * the protocol; a policy only decides greetings, extensions, limits and who may send where.
 */
import type { SecureContext } from "node:tls";
import { type Dialect, postfixDialect, reply, type SmtpReply } from "./replies.ts";

/** What a policy may look at while deciding. */
export interface SessionView {
  readonly remoteAddress: string;
  readonly tls: boolean;
  /** The client greeted with EHLO (rather than HELO). */
  readonly esmtp: boolean;
  readonly helo: string | null;
  /** The sender path as the client wrote it, while a transaction is open. */
  readonly mailFrom: string | null;
}

export type Greeting =
  /** Accept the connection and never say a word. */
  | { kind: "silent" }
  | {
      kind: "reply";
      reply: SmtpReply;
      /** Write each line separately, this long apart, as slow or pregreet-testing servers do. */
      lineGapMs?: number;
      /** Silence before the first line (sendmail's greet_pause); a client that talks during it
       *  gets earlyTalkerReply when one is set. */
      pauseMs?: number;
      /** Sent instead of the rest of the greeting, then hang up, if the client talks too early. */
      earlyTalkerReply?: SmtpReply;
      thenClose?: boolean;
    };

/**
 * Where an accepted recipient's copy goes: a local mailbox, onward to another domain,
 * or nowhere (accepted and silently dropped).
 */
export interface Delivery {
  route: "local" | "relay" | "discard";
  /** The mailbox it resolves to, with any routing trick honoured. */
  address: string;
}

export type RcptDecision =
  | { accepted: true; delivery: Delivery; reply?: SmtpReply }
  | { accepted: false; reply: SmtpReply };

export interface MailDecision {
  /** Accepted when the code is below 400. */
  reply: SmtpReply;
  /** The sender as the server rewrote it (qualified), used when the message goes onward. */
  envelopeSender?: string;
}

export interface SmtpPolicy {
  hostname: string;
  dialect: Dialect;
  greeting: Greeting;
  features: {
    /** False for HELO-only servers, which answer EHLO as an unknown command. */
    ehlo: boolean;
    pipelining: boolean;
    starttls: boolean;
  };
  /** Certificate for STARTTLS or implicit TLS. */
  tlsContext?: SecureContext;
  /** TLS from the first byte (port 465 style). */
  implicitTls?: boolean;
  /** Answer commands that arrive before the previous reply with 503, unless PIPELINING is agreed. */
  rejectUnauthPipelining?: boolean;
  /** Hang up after this many 4xx/5xx replies (Postfix smtpd_hard_error_limit). */
  hardErrorLimit?: number;
  /** Hang up after this many RSET/NOOP/VRFY/HELO/EHLO (Exim smtp_accept_max_nonmail). */
  nonMailCommandLimit?: number;
  /** Added before every reply, on top of the lab-wide reply delay. */
  extraReplyDelayMs?: number;
  /** A byte tarpit: every byte of every reply is written alone, this long after the previous. */
  byteIntervalMs?: number;
  /** sendmail's BadRcptThrottle: after `after` refused RCPTs in one transaction, sleep
   *  `sleepMs` before answering each further one. */
  badRcptThrottle?: { after: number; sleepMs: number };
  /** Postfix's smtpd_error_sleep_time: once the session has had `after` error replies, sleep
   *  `sleepMs` before each further one (Postfix counts to smtpd_soft_error_limit). */
  errorSleep?: {
    after: number;
    sleepMs: number;
    /** Only for clients whose EHLO name starts with this (a server slow to refuse one network). */
    heloPrefix?: string;
  };
  /** The answer to the end of DATA instead of "queued": a server that takes every recipient
   *  and then refuses the message. */
  messageRefusal?: SmtpReply;
  /** A reply that replaces normal handling of a command (blocked clients, TLS-first servers). */
  screen?(session: SessionView, verb: string): SmtpReply | undefined;
  mail?(session: SessionView, sender: string): MailDecision;
  rcpt(session: SessionView, recipient: string): RcptDecision;
}

export function acceptRecipient(delivery: Delivery, customReply?: SmtpReply): RcptDecision {
  return customReply
    ? { accepted: true, delivery, reply: customReply }
    : { accepted: true, delivery };
}

export function rejectRecipient(rejection: SmtpReply): RcptDecision {
  return { accepted: false, reply: rejection };
}

/** A Postfix-speaking server with PIPELINING and a plain one-line banner; override as needed. */
export function postfixLikePolicy(
  hostname: string,
  rcpt: SmtpPolicy["rcpt"],
  overrides: Partial<SmtpPolicy> = {},
): SmtpPolicy {
  return {
    hostname,
    dialect: postfixDialect(hostname),
    greeting: { kind: "reply", reply: reply(220, `${hostname} ESMTP Postfix`) },
    features: { ehlo: true, pipelining: true, starttls: false },
    rcpt,
    ...overrides,
  };
}
