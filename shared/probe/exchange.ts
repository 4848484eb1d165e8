/**
 * The suite spread over connections: a few workers, each taking a chunk of ready cases from the
 * queue, opening a connection for it and running it (`runChunk`): the chunk's MAIL and RCPT go
 * out pipelined or one command at a time, each case's replies decide a step (`decideCase`), and
 * every case of the chunk is then recorded, put off or put back (outcomes.ts).
 */
import type { CaseResult } from "../schemas/probe-result.ts";
import type { SmtpSession } from "../smtp/session.ts";
import { type Reply, SmtpError } from "../smtp/types.ts";
import { classifyMailReply, classifyRcptReply, type ReplyMeaning } from "./classify.ts";
import { releaseSpares, takeSession } from "./connect.ts";
import {
  MAX_CONSECUTIVE_FAILED_CONNECTIONS,
  type PendingCase,
  record,
  requeue,
  retryLater,
  type SuiteState,
} from "./outcomes.ts";
import {
  connectionsLeftForSuite,
  connectionsScarce,
  firstSlowCase,
  limitCasesPerConnection,
  nextChunkSize,
} from "./pace.ts";
import { connectionSummary, describeFailure, summarize } from "./summaries.ts";

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

/* One chunk of cases on one prepared connection, from the first command to the summary. */

/**
 * Runs the chunk, settles or requeues each of its cases, and ends the connection. A case
 * after one that stopped the chunk (421, TLS demanded) has no answer to use: it goes back.
 */
async function runChunk(
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

/*
 * Sending a chunk of cases over one connection and reading a step for each from the replies,
 * pipelined or one command at a time. A failure part way keeps the steps already decided.
 */

/** Thrown when a connection fails part way through a chunk, carrying what was decided. */
class ChunkInterrupted extends Error {
  constructor(
    readonly steps: ChunkStep[],
    override readonly cause: unknown,
  ) {
    super("chunk interrupted");
  }
}

const RSET_CLOSING = (reply: Reply): ChunkStep | null =>
  reply.code === 421
    ? { kind: "unanswered", note: `server is closing: ${reply.text}`, stopChunk: true }
    : null;

/** RSET, MAIL, RCPT for every case of the chunk in one batch (RFC 2920), each reply checked. */
async function pipelinedSteps(session: SmtpSession, chunk: PendingCase[]): Promise<ChunkStep[]> {
  const lines: string[] = [];
  chunk.forEach((entry, index) => {
    if (index > 0) lines.push("RSET");
    lines.push(`MAIL FROM:${entry.expanded.mailFrom}`, `RCPT TO:${entry.expanded.rcptTo}`);
  });
  let replies: Reply[];
  let failure: unknown = null;
  try {
    replies = await session.pipeline(lines);
  } catch (error) {
    if (!(error instanceof SmtpError)) throw error;
    replies = error.partial;
    failure = error;
  }
  const steps: ChunkStep[] = [];
  let cursor = 0;
  for (const [index, entry] of chunk.entries()) {
    if (index > 0) {
      const rset = replies[cursor++];
      if (!rset) break;
      const closing = RSET_CLOSING(rset);
      if (closing) {
        steps.push(closing);
        break;
      }
    }
    const mailReply = replies[cursor++];
    const rcptReply = replies[cursor++];
    if (!mailReply) break;
    const step = decideCase(entry, mailReply, rcptReply);
    if (!step) break;
    steps.push(step);
    if (step.kind === "unanswered" && step.stopChunk) break;
  }
  if (failure) throw new ChunkInterrupted(steps, failure);
  return steps;
}

/** One command at a time, for servers without PIPELINING. */
async function sequentialSteps(session: SmtpSession, chunk: PendingCase[]): Promise<ChunkStep[]> {
  const steps: ChunkStep[] = [];
  try {
    for (const [index, entry] of chunk.entries()) {
      if (index > 0) {
        const closing = RSET_CLOSING(await session.command("RSET"));
        if (closing) {
          steps.push(closing);
          break;
        }
      }
      const mailReply = await session.command(`MAIL FROM:${entry.expanded.mailFrom}`);
      const rcptReply =
        classifyMailReply(mailReply).kind === "ok"
          ? await session.command(`RCPT TO:${entry.expanded.rcptTo}`)
          : undefined;
      const step = decideCase(entry, mailReply, rcptReply);
      if (!step) break;
      steps.push(step);
      if (step.kind === "unanswered" && step.stopChunk) break;
    }
  } catch (error) {
    throw new ChunkInterrupted(steps, error);
  }
  return steps;
}

/* What the replies to one case's MAIL and RCPT decide for it. */

/** What one reply pair decided for one case in a chunk. */
export type ChunkStep =
  | {
      kind: "answered";
      result: Omit<CaseResult, "conn" | "attempts" | "data">;
      /** How long a refused RCPT's reply took after its MAIL's: a throttle shows here. */
      refusedRcptMs?: number;
    }
  | { kind: "retry"; afterSeconds: number; note: string }
  | { kind: "unanswered"; note: string; stopChunk: boolean; needsTls?: boolean };

/** Turns the replies to one case's MAIL and RCPT into a step. */
function decideCase(
  entry: PendingCase,
  mailReply: Reply,
  rcptReply: Reply | undefined,
): ChunkStep | null {
  const expanded = entry.expanded;
  const fromMeaning = (meaning: ReplyMeaning, step: "mail" | "rcpt", reply: Reply): ChunkStep => {
    switch (meaning.kind) {
      case "final":
        return {
          kind: "answered",
          result: {
            ...expanded,
            outcome: meaning.outcome,
            step,
            reply: summarize(reply),
            note: meaning.note,
          },
        };
      case "retry":
        return { kind: "retry", afterSeconds: meaning.afterSeconds, note: meaning.note };
      case "tls-required":
        return {
          kind: "unanswered",
          note: `${reply.code} ${reply.text}`,
          stopChunk: true,
          needsTls: true,
        };
      case "closing":
        return { kind: "unanswered", note: meaning.note, stopChunk: true };
      case "ok":
        throw new Error("unreachable: ok is handled by the caller");
    }
  };
  const mailMeaning = classifyMailReply(mailReply);
  if (mailMeaning.kind !== "ok") return fromMeaning(mailMeaning, "mail", mailReply);
  if (!rcptReply) return null;
  const step = fromMeaning(classifyRcptReply(rcptReply), "rcpt", rcptReply);
  const { receivedAt: mailAt } = mailReply;
  const { receivedAt: rcptAt } = rcptReply;
  if (step.kind === "answered" && rcptReply.code >= 400 && mailAt && rcptAt) {
    step.refusedRcptMs = rcptAt - mailAt;
  }
  return step;
}
