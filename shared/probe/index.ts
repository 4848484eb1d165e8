export { findCase, RELAY_CASE_IDS, RELAY_CASES, type RelayCase } from "./cases.ts";
export { DEFAULT_CANARY_DOMAIN, LAB_CANARY_DOMAIN } from "./defaults.ts";
export { PROBE_DEFAULTS, type ProbeRequest } from "./request.ts";
export { type ProbeHooks, runProbe } from "./runner.ts";
export { decideVerdict } from "./verdict.ts";
