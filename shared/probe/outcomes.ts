/**
 * What the connection workers share while the suite runs, and where each case ends up: one queue
 * of cases (a case whose connection dropped, or that was greylisted, goes back with a time before
 * which it waits), and each case recorded with its answer, put back for another try, or given up
 * on with the reason. Every final outcome is reported to the hooks as it is set.
 */
import type { CaseResult } from "../schemas/probe-result.ts";
import type { ChunkStep } from "./exchange.ts";
import type { ExpandedCase } from "./expand.ts";
import type { ProbeRun } from "./runner.ts";

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

/** A case waiting to be (re)tried, with when it may run again and how often it has. */
export interface PendingCase {
  expanded: ExpandedCase;
  attempts: number;
  notBefore: number;
  lastNote: string | null;
}

/**
 * The queue of cases not yet answered. Connections take chunks from it; a case whose
 * connection dropped, or that was greylisted, goes back with a time before which it waits.
 */
class CaseQueue {
  private readonly pending: PendingCase[];

  constructor(cases: ExpandedCase[]) {
    this.pending = cases.map((expanded) => ({
      expanded,
      attempts: 0,
      notBefore: 0,
      lastNote: null,
    }));
  }

  get size(): number {
    return this.pending.length;
  }

  /** Up to `count` cases that may run now, removed from the queue. */
  take(count: number, now: number): PendingCase[] {
    const ready: PendingCase[] = [];
    for (let index = 0; index < this.pending.length && ready.length < count; ) {
      const candidate = this.pending[index];
      if (candidate && candidate.notBefore <= now) {
        ready.push(candidate);
        this.pending.splice(index, 1);
      } else {
        index += 1;
      }
    }
    return ready;
  }

  /** When the earliest waiting case may run, or null when the queue is empty. */
  nextReadyAt(): number | null {
    if (this.pending.length === 0) return null;
    return Math.min(...this.pending.map((entry) => entry.notBefore));
  }

  /** When `count` cases will be ready to run (the count-th earliest), or null if fewer wait. */
  readyAtFor(count: number): number | null {
    const times = this.pending.map((entry) => entry.notBefore).sort((a, b) => a - b);
    return count > 0 && count <= times.length ? (times[count - 1] ?? null) : null;
  }

  putBack(entry: PendingCase): void {
    this.pending.push(entry);
  }

  drain(): PendingCase[] {
    return this.pending.splice(0, this.pending.length);
  }
}

/** Added to a greylisting delay, so the retry does not come a moment too early. */
const RETRY_MARGIN_MS = 500;

export function record(
  run: ProbeRun,
  entry: PendingCase,
  result: ChunkStep & { kind: "answered" },
  conn: number,
): void {
  const full: CaseResult = { ...result.result, conn, attempts: entry.attempts, data: null };
  run.results.set(full.id, full);
  run.hooks.onCase?.(full);
}

function giveUp(
  run: ProbeRun,
  entry: PendingCase,
  outcome: "deferred" | "error",
  note: string,
): void {
  const full: CaseResult = {
    ...entry.expanded,
    outcome,
    step: "rcpt",
    reply: null,
    note,
    conn: null,
    attempts: entry.attempts,
    data: null,
  };
  run.results.set(full.id, full);
  run.hooks.onCase?.(full);
}

/** A temporary refusal: wait out the server's delay when the limits and the deadline allow. */
export function retryLater(
  suite: SuiteState,
  entry: PendingCase,
  afterSeconds: number,
  note: string,
): void {
  const { run } = suite;
  const notBefore = Date.now() + afterSeconds * 1000 + RETRY_MARGIN_MS;
  entry.lastNote = note;
  if (
    afterSeconds > run.options.maxRetryWaitSeconds ||
    notBefore >= run.deadline ||
    entry.attempts >= run.options.maxAttemptsPerCase
  ) {
    giveUp(run, entry, "deferred", `still deferred: ${note}`);
    return;
  }
  entry.notBefore = notBefore;
  suite.queue.putBack(entry);
  run.hooks.onWait?.({ caseId: entry.expanded.id, until: notBefore, note });
}

/** No answer this time (the connection failed or closed): try again on another connection. */
export function requeue(suite: SuiteState, entry: PendingCase, note: string): void {
  entry.lastNote = note;
  if (entry.attempts >= suite.run.options.maxAttemptsPerCase) {
    giveUp(suite.run, entry, "error", `no answer after ${entry.attempts} attempts: ${note}`);
    return;
  }
  suite.queue.putBack(entry);
}

/** After the workers stop: every case still queued gets its final outcome and why. */
export function settleLeftovers(suite: SuiteState): void {
  for (const entry of suite.queue.drain()) {
    const cutOff =
      suite.run.stopReason ??
      suite.abortReason ??
      "cut off by the deadline before this case was answered";
    if (entry.lastNote && entry.notBefore > 0) {
      giveUp(suite.run, entry, "deferred", `still deferred: ${entry.lastNote}`);
    } else {
      const note = entry.lastNote ? `${cutOff}; last: ${entry.lastNote}` : cutOff;
      giveUp(suite.run, entry, "error", note);
    }
  }
}

/** Wakes every waiter when something changes, or after its own timeout. */
class Signal {
  private waiters: (() => void)[] = [];

  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const index = waiters.indexOf(done);
        if (index >= 0) waiters.splice(index, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
