import { CHECK_BUDGET, PROBE_BUDGET } from "../../../../shared/probe/budget.ts";
import type { CoordinatorEnv } from "../env.ts";
import { ConfigError } from "../env.ts";

/** Canary messages one vantage may send (probe nodes cap themselves at the same number). */
export const PROOF_MAX_MESSAGES_PER_VANTAGE = PROBE_BUDGET.maxMessages;
/**
 * Canary messages one check may send across all its vantages: each one is mail through a
 * stranger's server, so a check of a wide MX set must not turn into a small mailing.
 */
export const PROOF_MAX_MESSAGES_PER_CHECK = CHECK_BUDGET.maxMessages;

const DEFAULT_PROOF_WINDOW_SECONDS = 600;
const DEFAULT_LATE_ARRIVAL_SECONDS = 24 * 60 * 60;

function seconds(text: string | undefined, fallback: number): number {
  const value = Number.parseInt(text ?? "", 10);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** How long a finished check waits for its canary messages (PROOF_WINDOW_SECONDS). */
export function proofWindowMs(env: CoordinatorEnv): number {
  return seconds(env.PROOF_WINDOW_SECONDS, DEFAULT_PROOF_WINDOW_SECONDS) * 1000;
}

/**
 * How long after its check was created a canary message still confirms it
 * (PROOF_LATE_ARRIVAL_SECONDS, default 24 h): a relay that queues the message for a day still
 * proves itself, a message that turns up a week later proves nothing.
 */
export function lateArrivalMs(env: CoordinatorEnv): number {
  return seconds(env.PROOF_LATE_ARRIVAL_SECONDS, DEFAULT_LATE_ARRIVAL_SECONDS) * 1000;
}

/** The coordinator's canary secret; a check with proof cannot run without it. */
export function proofSecret(env: Pick<CoordinatorEnv, "PROOF_SECRET">): string {
  const secret = env.PROOF_SECRET;
  if (!secret) throw new ConfigError("PROOF_SECRET is not set: canary messages cannot be proven");
  return secret;
}

/**
 * The messages the vantage at `index` (in the check's planned order) of `vantageCount` may send:
 * the check's cap spread over its vantages, at most the per-vantage cap each, in total never
 * more than the check's cap (a 30-vantage check lets its first 10 vantages send one each).
 */
export function messageShare(index: number, vantageCount: number): number {
  const count = Math.max(1, vantageCount);
  const even = Math.floor(PROOF_MAX_MESSAGES_PER_CHECK / count);
  const extra = index < PROOF_MAX_MESSAGES_PER_CHECK % count ? 1 : 0;
  return Math.min(PROOF_MAX_MESSAGES_PER_VANTAGE, even + extra);
}
