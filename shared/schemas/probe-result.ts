import { z } from "zod";

/** The engine's result, shared by the CLI, the probe worker and the coordinator. */

export const ReplySummary = z.object({
  code: z.number().int(),
  enhanced: z.string().nullable(),
  text: z.string(),
});
export type ReplySummary = z.infer<typeof ReplySummary>;

export const CaseOutcome = z.enum([
  "accepted",
  "refused",
  /**
   * RCPT was accepted, but every message the DATA step sent through the server (a sample of
   * the accepted cases) was refused: this case's own message was not sent. Not a relay.
   */
  "message-refused",
  "deferred",
  "auth-required",
  "untested",
  "error",
]);
export type CaseOutcome = z.infer<typeof CaseOutcome>;

/** The step whose reply decided a case; `data` when the message itself was sent (or sampled). */
export const CaseStep = z.enum(["connect", "banner", "ehlo", "starttls", "mail", "rcpt", "data"]);
export type CaseStep = z.infer<typeof CaseStep>;

export const CaseResult = z.object({
  id: z.string(),
  mailFrom: z.string(),
  rcptTo: z.string(),
  recipientKind: z.enum(["foreign", "routing"]),
  token: z.string(),
  outcome: CaseOutcome,
  /** The command whose reply decided the outcome. */
  step: CaseStep,
  reply: ReplySummary.nullable(),
  /** Why, in words, when the reply code alone would mislead (untested, error, deferred). */
  note: z.string().nullable(),
  /** Which connection gave the final answer. */
  conn: z.number().int().nullable(),
  attempts: z.number().int(),
  /**
   * The reply of the DATA step when the canary message was sent for this case (to DATA or to
   * the end of the message); null when none was sent. A 250 here still proves nothing: only
   * arrival does.
   */
  data: ReplySummary.nullable().default(null),
});
export type CaseResult = z.infer<typeof CaseResult>;

export const Verdict = z.enum(["open", "suspect", "closed", "inconclusive"]);
export type Verdict = z.infer<typeof Verdict>;

/**
 * Whether accepted cases went on to DATA: `sent` (the message decided), `off` (not asked, or no
 * message allowed: the verdict rests on RCPT replies), `not-needed` (nothing was accepted),
 * `not-reached` (the run stopped before it: deadline, tarpit).
 */
export const DataStep = z.enum(["sent", "off", "not-needed", "not-reached"]);
export type DataStep = z.infer<typeof DataStep>;

export const TranscriptLine = z.object({
  at: z.string(),
  conn: z.number().int(),
  dir: z.enum(["server", "client", "note"]),
  line: z.string(),
});
export type TranscriptLine = z.infer<typeof TranscriptLine>;

export const ConnectionSummary = z.object({
  conn: z.number().int(),
  startedAt: z.string(),
  endedAt: z.string(),
  cases: z.array(z.string()),
  tls: z.boolean(),
  pipelined: z.boolean(),
  /** How it ended: "quit", "server closed", "timeout", an error text. */
  ending: z.string(),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummary>;

/** What we learnt about a TLS session. Reported, never enforced: we test relaying, not PKI. */
export const TlsSummary = z.object({
  protocol: z.string().nullable(),
  cipher: z.string().nullable(),
  /** Whether the certificate chain verified against the runtime's trust store (null: unknown). */
  authorized: z.boolean().nullable(),
  authorizationError: z.string().nullable(),
  peerSubject: z.string().nullable(),
  peerIssuer: z.string().nullable(),
  /** The names the certificate is for, as "DNS:mx.example, IP Address:192.0.2.1". */
  altNames: z.string().nullable().default(null),
  validFrom: z.string().nullable().default(null),
  validTo: z.string().nullable(),
  fingerprint256: z.string().nullable(),
});
export type TlsSummary = z.infer<typeof TlsSummary>;

export const ProbeResult = z.object({
  target: z.object({
    host: z.string(),
    port: z.number().int(),
    address: z.string(),
    implicitTls: z.boolean(),
  }),
  names: z.object({
    host: z.string(),
    targetDomain: z.string(),
    canaryDomain: z.string(),
  }),
  verdict: Verdict,
  reason: z.string(),
  /**
   * Set when this vantage could not test the server at all for a reason of its own, not the
   * server's (a runtime that verifies certificates met one it does not accept): such a result
   * is neither evidence nor a reason to call the check inconclusive. Says why, in words.
   */
  notTestableHere: z.string().nullable().default(null),
  dataStep: DataStep.default("off"),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  banner: ReplySummary.nullable(),
  extensions: z.array(z.string()),
  tls: TlsSummary.nullable(),
  cases: z.array(CaseResult),
  connections: z.array(ConnectionSummary),
  transcript: z.array(TranscriptLine),
});
export type ProbeResult = z.infer<typeof ProbeResult>;
