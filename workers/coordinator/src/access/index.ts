/**
 * Access control of the coordinator: API keys (Bearer), per-key rate and daily quota, the
 * anonymous per-address rate limit and the per-target cool-down. See README "Access".
 */

export { startAdmittedCheck } from "./admit.ts";
export { authenticate } from "./api-keys.ts";
export { enforceHumanCheck } from "./turnstile.ts";
