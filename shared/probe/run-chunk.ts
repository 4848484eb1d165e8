/** One chunk of cases on one prepared connection, from the first command to the summary. */
import type { SmtpSession } from "../smtp/session.ts";
import { record, requeue, retryLater } from "./case-outcomes.ts";
import type { ChunkStep } from "./case-step.ts";
import { ChunkInterrupted, pipelinedSteps, sequentialSteps } from "./chunk-exchange.ts";
import { firstSlowCase, limitCasesPerConnection } from "./pace.ts";
import type { PendingCase } from "./scheduler.ts";
import { MAX_CONSECUTIVE_FAILED_CONNECTIONS, type SuiteState } from "./suite-state.ts";
import { connectionSummary, describeFailure } from "./summaries.ts";

/**
 * Runs the chunk, settles or requeues each of its cases, and ends the connection. A case
 * after one that stopped the chunk (421, TLS demanded) has no answer to use: it goes back.
 */
export async function runChunk(
  suite: SuiteState,
  session: SmtpSession,
  chunk: PendingCase[],
): Promise<void> {
  const { run } = suite;
  const conn = session.conn;
  const connStarted = new Date().toISOString();
  const pipelined = run.options.pipelining && session.supports("PIPELINING");
  let ending = "quit";
  let answeredAny = false;
  for (const entry of chunk) entry.attempts += 1;
  let steps: ChunkStep[];
  try {
    steps = pipelined
      ? await pipelinedSteps(session, chunk)
      : await sequentialSteps(session, chunk);
  } catch (error) {
    steps = error instanceof ChunkInterrupted ? error.steps : [];
    ending = describeFailure(error instanceof ChunkInterrupted ? error.cause : error, "failed");
  }
  let stopped: string | null = null;
  chunk.forEach((entry, index) => {
    const step = stopped ? undefined : steps[index];
    if (!step) {
      requeue(suite, entry, stopped ?? ending);
      return;
    }
    if (step.kind === "answered") {
      answeredAny = true;
      record(run, entry, step, conn);
    } else if (step.kind === "retry") {
      answeredAny = true;
      retryLater(suite, entry, step.afterSeconds, step.note);
    } else {
      if (step.needsTls) run.tls.force = true;
      if (step.stopChunk) stopped = step.note;
      requeue(suite, entry, step.note);
    }
  });
  if (stopped) ending = stopped;
  replanFrom(suite, chunk.length, steps);
  // The next connection need not wait for this one's 221: QUIT finishes in the background.
  suite.quitting.push(session.quit());
  run.connections.push(
    connectionSummary(
      conn,
      connStarted,
      chunk.map((entry) => entry.expanded.id),
      session.tls !== null,
      pipelined,
      ending,
    ),
  );
  suite.failedConnectionsInARow = answeredAny ? 0 : suite.failedConnectionsInARow + 1;
  if (suite.failedConnectionsInARow >= MAX_CONSECUTIVE_FAILED_CONNECTIONS) {
    suite.abortReason = `${suite.failedConnectionsInARow} connections in a row gave no answer (last: ${ending})`;
  }
}

/**
 * What this connection showed about the server's limits: refused recipients that slow down
 * after a few (a throttle), or a connection ended part way (an error limit). Either way, later
 * connections carry no more cases than this one managed at full speed.
 */
function replanFrom(suite: SuiteState, chunkLength: number, steps: ChunkStep[]): void {
  const { run } = suite;
  const slowFrom = firstSlowCase(
    steps.map((step) => (step.kind === "answered" ? (step.refusedRcptMs ?? null) : null)),
  );
  if (slowFrom !== null) {
    limitCasesPerConnection(
      run,
      slowFrom,
      `refused recipients slowed down after ${slowFrom} on one connection (a throttle)`,
    );
  }
  const answered = steps.filter((step) => step.kind !== "unanswered").length;
  if (answered > 0 && answered < chunkLength && !run.stopReason) {
    limitCasesPerConnection(
      run,
      answered,
      `the connection ended after ${answered} of ${chunkLength} cases (an error limit)`,
    );
  }
}
