import type { ProbeJob } from "../../../../shared/schemas/protocol.ts";
import type { CoordinatorEnv } from "../env.ts";

/** Canary messages one vantage may send: enough for the few cases a relay typically accepts. */
export const PROOF_MAX_MESSAGES_PER_VANTAGE = 3;
/**
 * Canary messages one check may send across all its vantages: each one is mail through a
 * stranger's server, so a check of a wide MX set must not turn into a small mailing.
 */
export const PROOF_MAX_MESSAGES_PER_CHECK = 10;

const DEFAULT_PROOF_WINDOW_SECONDS = 600;

/** How long a finished check waits for its canary messages (PROOF_WINDOW_SECONDS). */
export function proofWindowMs(env: CoordinatorEnv): number {
  const seconds = Number.parseInt(env.PROOF_WINDOW_SECONDS ?? "", 10);
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_PROOF_WINDOW_SECONDS) * 1000;
}

/** The proof part of a probe job: where the report is, and this vantage's share of the cap. */
export function proofRequestFor(
  checkId: string,
  vantageCount: number,
  publicOrigin: string | undefined,
): NonNullable<ProbeJob["proof"]> {
  const share = Math.ceil(PROOF_MAX_MESSAGES_PER_CHECK / Math.max(1, vantageCount));
  return {
    reportUrl: publicOrigin
      ? `${publicOrigin.replace(/\/$/, "")}/report/${encodeURIComponent(checkId)}`
      : null,
    maxMessages: Math.min(PROOF_MAX_MESSAGES_PER_VANTAGE, share),
  };
}
