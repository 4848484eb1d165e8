import type { SessionLimits } from "../smtp/types.ts";

/** What a caller asks of one probe run against one address. */
export interface ProbeRequest {
  target: {
    /** An address literal already checked by the target guard. */
    address: string;
    port: number;
    /** The name the user gave (MX host), used for SNI and as a fallback for `{host}`. */
    hostName?: string | null;
    /** Port 465 style: TLS from the first byte. */
    implicitTls?: boolean;
  };
  canaryDomain: string;
  /** The target's own mail domain; derived from its host name when absent. */
  targetDomain?: string | null;
  /** A subset of the catalogue by id; every case when absent. */
  caseIds?: readonly string[];
  /** Wall-clock budget for the whole run; nothing is awaited past it. */
  timeBudgetMs?: number;
  /** Cases per connection to start with: low enough that no default error limit cuts us off. */
  casesPerConnection?: number;
  /** Connections open at once to the target, at most. */
  maxConnections?: number;
  /** Connections to the target in all, the DATA step's included. */
  maxTotalConnections?: number;
  /** A server slower than this over the whole suite is a tarpit: the run stops, keeping what
   *  was answered, as soon as the projected time exceeds it. */
  tarpitBudgetMs?: number;
  /** The longest greylisting delay we wait out. */
  maxRetryWaitSeconds?: number;
  /** How often one case is tried before it counts as unanswered. */
  maxAttemptsPerCase?: number;
  heloName?: string;
  /** Use RFC 2920 pipelining when the server advertises it. */
  pipelining?: boolean;
  /** Upgrade with STARTTLS when offered. */
  starttls?: boolean;
  /**
   * The connector verifies every certificate and cannot be told not to (Workers, workerd): a
   * failed handshake then says nothing about the server, so a run it leaves without a verdict
   * is reported as one this vantage could not test.
   */
  certificatesEnforced?: boolean;
  limits?: Partial<Omit<SessionLimits, "deadline">>;
  /** The shared part of the case tokens (`rw-<nonce>-<index>`); random when absent. */
  tokenNonce?: string;
  /**
   * The DATA step: after the suite, send the fixed canary message for accepted cases (at most
   * `maxMessages`); the server's answer to the message decides them, and its arrival at the
   * canary domain proves relaying. Off when absent: the verdict then rests on RCPT replies.
   */
  proof?: ProofRequest | null;
}

export interface ProofRequest {
  /** Where the recipient of the canary message can read the report; null when unknown. */
  reportUrl: string | null;
  maxMessages: number;
  /**
   * The vantage key the coordinator derived for this run's token nonce: each message then carries
   * the MAC of its token (canary-proof.ts). Secret: it never enters the transcript or the result.
   */
  key?: string | null;
}

export const PROBE_DEFAULTS = {
  timeBudgetMs: 120_000,
  casesPerConnection: 5,
  maxConnections: 6,
  maxTotalConnections: 12,
  tarpitBudgetMs: 20_000,
  maxRetryWaitSeconds: 90,
  maxAttemptsPerCase: 3,
  pipelining: true,
  starttls: true,
} as const;
