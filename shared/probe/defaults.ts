/**
 * Our canary domain: it has a wildcard MX pointing at the coordinator's Email Routing, so every
 * recipient the suite uses is ours and every sender domain in it resolves (servers that check
 * sender domains then answer about relaying, not about DNS).
 */
export const DEFAULT_CANARY_DOMAIN = "canary.relaywatch.dev";

/** The lab's canary domain: lab servers deliver it to the local canary MX, never elsewhere. */
export const LAB_CANARY_DOMAIN = "canary.relaywatch.test";

/**
 * The domain our probes name themselves under, `probe-<region>.<service domain>` in EHLO, so a
 * line in a mail log leads to the service and its page about the probes (/about/probes).
 */
export const DEFAULT_SERVICE_DOMAIN = "relaywatch.dev";
