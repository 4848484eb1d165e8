/**
 * Where each case ends up: recorded with its answer, put back in the queue for another try,
 * or given up on with the reason. Every final outcome is reported to the hooks as it is set.
 */
import type { CaseResult } from "../schemas/probe-result.ts";
import type { ChunkStep } from "./case-step.ts";
import type { ProbeRun } from "./run-context.ts";
import type { PendingCase } from "./scheduler.ts";
import type { SuiteState } from "./suite-state.ts";

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

export function giveUp(
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
