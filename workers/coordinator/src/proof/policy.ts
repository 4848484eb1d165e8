import { CHECK_BUDGET, PROBE_BUDGET } from "../../../../shared/probe/budget.ts";
import { ConfigError, type CoordinatorConfig } from "../env.ts";

/** Canary messages one vantage may send (probe nodes cap themselves at the same number). */
export const PROOF_MAX_MESSAGES_PER_VANTAGE = PROBE_BUDGET.maxMessages;
/**
 * Canary messages one check may send across all its vantages: each one is mail through a
 * stranger's server, so a check of a wide MX set must not turn into a small mailing.
 */
export const PROOF_MAX_MESSAGES_PER_CHECK = CHECK_BUDGET.maxMessages;

/** The coordinator's canary secret; a check with proof cannot run without it. */
export function proofSecret(config: Pick<CoordinatorConfig, "proofSecret">): string {
  if (config.proofSecret === null) {
    throw new ConfigError("PROOF_SECRET: is not set, so canary messages cannot be proven");
  }
  return config.proofSecret;
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
