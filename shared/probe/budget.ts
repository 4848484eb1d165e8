/**
 * The abuse budget: the most Relaywatch lets one check cost one server, whatever a request asks
 * (README, "Security model"; `npm run bench:budget` measures it against a counting server).
 */
import { PROBE_DEFAULTS } from "./request.ts";

/** One probe run (one vantage, one address). */
export const PROBE_BUDGET = {
  /** Connections open at once: the engine's own plan keeps to it (pace.ts). */
  maxOpenConnections: PROBE_DEFAULTS.maxConnections,
  /** Connections in all, the DATA step's (canary messages') included. */
  maxTotalConnections: PROBE_DEFAULTS.maxTotalConnections,
  /** Canary messages; probe nodes enforce it from their own configuration. */
  maxMessages: 3,
} as const;

/** One check: each address is probed once per vantage, by at most this many vantages. */
export const CHECK_BUDGET = {
  maxVantagesPerAddress: 5,
  /** Canary messages over all the check's vantages, enforced by the coordinator. */
  maxMessages: 10,
} as const;
