/**
 * What the connection workers share while the suite runs: one queue of cases, how many are
 * out on a connection, and whether the run has given up on the server.
 */
import type { ExpandedCase } from "./expand.ts";
import type { ProbeRun } from "./run-context.ts";
import { CaseQueue } from "./scheduler.ts";
import { Signal } from "./signal.ts";

/** This many connections in a row without an answer end the suite: the server is not talking. */
export const MAX_CONSECUTIVE_FAILED_CONNECTIONS = 3;

export interface SuiteState {
  readonly run: ProbeRun;
  readonly queue: CaseQueue;
  /** Cases taken from the queue by a connection not finished yet: they may still come back. */
  inFlight: number;
  failedConnectionsInARow: number;
  /** Set when the suite gives up; the cases still queued then carry it as their note. */
  abortReason: string | null;
  /** QUITs finishing in the background, awaited before the result is built. */
  readonly quitting: Promise<void>[];
  /** Notified whenever a worker is done with a chunk, so idle workers look at the queue again. */
  readonly progress: Signal;
}

export function startSuite(run: ProbeRun, expanded: ExpandedCase[]): SuiteState {
  return {
    run,
    queue: new CaseQueue(expanded),
    inFlight: 0,
    failedConnectionsInARow: 0,
    abortReason: null,
    quitting: [],
    progress: new Signal(),
  };
}
