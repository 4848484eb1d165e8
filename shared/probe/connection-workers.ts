/**
 * The suite spread over connections: a few workers, each taking a chunk of ready cases,
 * opening a connection for it and running it, until the queue is done, the deadline passes
 * or the server has stopped answering.
 */
import type { SmtpSession } from "../smtp/session.ts";
import { PROBE_BUDGET } from "./budget.ts";
import { requeue } from "./case-outcomes.ts";
import { runChunk } from "./run-chunk.ts";
import { openReadySession } from "./session-opener.ts";
import { MAX_CONSECUTIVE_FAILED_CONNECTIONS, type SuiteState } from "./suite-state.ts";
import { connectionSummary, describeFailure } from "./summaries.ts";

/**
 * Runs `maxConnections` workers, the first on the already prepared first session, and waits
 * for them and for every background QUIT.
 */
export async function runWorkers(suite: SuiteState, firstSession: SmtpSession): Promise<void> {
  const workers = [worker(suite, firstSession)];
  const open = Math.min(suite.run.options.maxConnections, PROBE_BUDGET.maxOpenConnections);
  for (let index = 1; index < open; index += 1) {
    workers.push(worker(suite, null));
  }
  await Promise.all(workers);
  await Promise.all(suite.quitting);
}

async function worker(suite: SuiteState, initial: SmtpSession | null): Promise<void> {
  const { run, queue, progress } = suite;
  const { deadline } = run;
  let session = initial;
  while (!suite.abortReason && Date.now() < deadline && (queue.size > 0 || suite.inFlight > 0)) {
    const chunk = queue.take(run.options.casesPerConnection, Date.now());
    if (chunk.length === 0) {
      // Nothing ready: wait for a greylisted case's time, or for another worker to finish.
      const readyAt = queue.nextReadyAt() ?? deadline;
      await progress.wait(Math.min(readyAt, deadline) - Date.now());
      continue;
    }
    suite.inFlight += chunk.length;
    try {
      if (!session && run.connectionCount >= PROBE_BUDGET.maxSuiteConnections) {
        // The budget is spent: what is left stays unanswered rather than cost the server more.
        suite.abortReason ??= `stopped after ${run.connectionCount} connections, the most one run may open`;
        for (const entry of chunk) queue.putBack(entry);
        continue;
      }
      if (!session) {
        const connStarted = new Date().toISOString();
        try {
          session = await openReadySession(run);
        } catch (error) {
          const note = describeFailure(error, "could not open a session");
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
