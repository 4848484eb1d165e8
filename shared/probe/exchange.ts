/**
 * The suite spread over connections: a few workers, each taking a chunk of ready cases,
 * opening a connection for it and running it, until the queue is done, the deadline passes
 * or the server has stopped answering.
 */
import type { SmtpSession } from "../smtp/session.ts";
import { requeue } from "./case-outcomes.ts";
import { connectionsLeftForSuite, connectionsScarce, nextChunkSize } from "./pace.ts";
import { runChunk } from "./run-chunk.ts";
import { releaseSpares, takeSession } from "./spares.ts";
import { MAX_CONSECUTIVE_FAILED_CONNECTIONS, type SuiteState } from "./suite-state.ts";
import { connectionSummary, describeFailure } from "./summaries.ts";

/**
 * Runs `maxConnections` workers, the first on the already prepared first session, and waits
 * for them, for the spare connections nobody took, and for every background QUIT.
 */
export async function runWorkers(suite: SuiteState, firstSession: SmtpSession): Promise<void> {
  const workers = [worker(suite, firstSession)];
  for (let index = 1; index < suite.run.options.maxConnections; index += 1) {
    workers.push(worker(suite, null));
  }
  await Promise.all(workers);
  await releaseSpares(suite.run);
  await Promise.all(suite.quitting);
}

async function worker(suite: SuiteState, initial: SmtpSession | null): Promise<void> {
  const { run, queue, progress } = suite;
  const { deadline } = run;
  let session = initial;
  const goingOn = () => !suite.abortReason && !run.stopReason && Date.now() < deadline;
  while (goingOn() && (queue.size > 0 || suite.inFlight > 0)) {
    if (!session && run.spares.length === 0 && connectionsLeftForSuite(run) <= 0) {
      suite.abortReason ??= `the budget of ${run.options.maxTotalConnections} connections to this target was spent before this case was answered`;
      break;
    }
    const holding = session ? 1 : 0;
    const size = nextChunkSize(run, queue.size, holding);
    // With connections scarce (greylisting retries near the end of the budget), a connection
    // waits until its whole share is ready rather than leaving with part of it.
    const fullAt = connectionsScarce(run, queue.size, holding) ? queue.readyAtFor(size) : null;
    if (fullAt !== null && fullAt > Date.now()) {
      await progress.wait(Math.min(fullAt, deadline) - Date.now());
      continue;
    }
    const chunk = queue.take(size, Date.now());
    if (chunk.length === 0) {
      // Nothing ready: wait for a greylisted case's time, or for another worker to finish.
      const readyAt = queue.nextReadyAt() ?? deadline;
      await progress.wait(Math.min(readyAt, deadline) - Date.now());
      continue;
    }
    suite.inFlight += chunk.length;
    try {
      if (!session) {
        const connStarted = new Date().toISOString();
        const taken = await takeSession(run);
        if ("session" in taken) {
          session = taken.session;
        } else {
          const note = describeFailure(taken.error, "could not open a session");
          run.connections.push(
            connectionSummary(run.connectionCount, connStarted, [], false, false, note),
          );
          for (const entry of chunk) {
            entry.attempts += 1;
            requeue(suite, entry, note);
          }
          session = null;
          suite.failedConnectionsInARow += 1;
          if (suite.failedConnectionsInARow >= MAX_CONSECUTIVE_FAILED_CONNECTIONS) {
            suite.abortReason = `${suite.failedConnectionsInARow} connections in a row failed (last: ${note})`;
          }
          continue;
        }
      }
      await runChunk(suite, session, chunk);
      session = null;
    } finally {
      suite.inFlight -= chunk.length;
      progress.notify();
    }
  }
  await session?.quit();
}
