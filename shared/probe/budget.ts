/**
 * The abuse budget: the most Relaywatch lets one check cost one server, whatever a request asks
 * (README, "Security model"; `npm run bench:budget` measures it against a counting server).
 */

/** One probe run (one vantage, one address). */
export const PROBE_BUDGET = {
  /** Connections open at once. */
  maxOpenConnections: 6,
  /** Connections in all for the suite; delivery proof adds one per canary message. */
  maxSuiteConnections: 12,
  /** Canary messages; probe nodes enforce it from their own configuration. */
  maxMessages: 3,
} as const;

/** One check: each address is probed once per vantage, by at most this many vantages. */
export const CHECK_BUDGET = {
  maxVantagesPerAddress: 5,
  /** Canary messages over all the check's vantages, enforced by the coordinator. */
  maxMessages: 10,
} as const;
