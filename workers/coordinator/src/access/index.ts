/**
 * Access control of the coordinator: API keys (Bearer), per-key rate and daily quota, the
 * anonymous per-address rate limit and the per-target cool-down. See README "Access".
 */

export { startAdmittedCheck } from "./admit.ts";
export { type ApiKeyIdentity, authenticate, verifyApiKey } from "./api-keys.ts";
export { cooldownSeconds, KEYED_TARGET_COOLDOWN_SECONDS } from "./cooldown.ts";
export { InvalidApiKey, TooManyRequests } from "./errors.ts";
export { enforceHumanCheck, TURNSTILE_HEADER } from "./turnstile.ts";
export { reserveDailyCheck } from "./usage.ts";
