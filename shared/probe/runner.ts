import type {
  CaseResult,
  ConnectionSummary,
  ProbeResult,
  ReplySummary,
} from "../schemas/probe-result.ts";
import { SmtpSession } from "../smtp/session.ts";
import { Transcript } from "../smtp/transcript.ts";
import {
  type Connector,
  DEFAULT_LIMITS,
  type Reply,
  SmtpError,
  type TlsInfo,
} from "../smtp/types.ts";
import { RELAY_CASES } from "./cases.ts";
import { classifyMailReply, classifyRcptReply, type ReplyMeaning } from "./classify.ts";
import { deliverProof } from "./deliver.ts";
import { addressLiteral, type ExpandedCase, expandCase, randomLabel } from "./expand.ts";
import { domainOfHost, isHostName, ownHostName } from "./names.ts";
import { PROBE_DEFAULTS, type ProbeRequest } from "./request.ts";
import { CaseQueue, type PendingCase } from "./scheduler.ts";
import { decideVerdict } from "./verdict.ts";

export interface ProbeHooks {
  /** Called as each case gets its final outcome: for live progress. */
  onCase?: (result: CaseResult) => void;
}

const RETRY_MARGIN_MS = 1_000;
const MAX_CONSECUTIVE_FAILED_CONNECTIONS = 3;

function summarize(reply: Reply | null | undefined): ReplySummary | null {
  return reply ? { code: reply.code, enhanced: reply.enhanced, text: reply.text } : null;
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

/** What one reply pair decided for one case in a chunk. */
type ChunkStep =
  | { kind: "answered"; result: Omit<CaseResult, "conn" | "attempts" | "data"> }
  | { kind: "retry"; afterSeconds: number; note: string }
  | { kind: "unanswered"; note: string; stopChunk: boolean; needsTls?: boolean };

/**
 * Runs the relay suite against one address. Cases are spread over several short connections
 * so that no default error limit (Postfix smtpd_soft_error_limit, Exim smtp_accept_max_nonmail)
 * cuts the suite off; a dropped connection resumes on a new one; greylisted cases wait out
 * the server's delay when the deadline allows. Nothing is awaited past the time budget.
 */
export async function runProbe(
  connector: Connector,
  request: ProbeRequest,
  hooks: ProbeHooks = {},
): Promise<ProbeResult> {
  const options = { ...PROBE_DEFAULTS, ...stripUndefined(request) };
  const startedAt = Date.now();
  const deadline = startedAt + options.timeBudgetMs;
  const limits = { ...DEFAULT_LIMITS, ...request.limits, deadline };
  const transcript = new Transcript();
  const { address, port } = request.target;
  const implicitTls = request.target.implicitTls ?? port === 465;
  const hostName = request.target.hostName ?? null;
  const heloName = request.heloName ?? `probe.${request.canaryDomain}`;
  const connections: ConnectionSummary[] = [];
  const results = new Map<string, CaseResult>();
  let connectionCount = 0;
  let forceStartTls = false;
  let tlsBroken = false;
  /** The first TLS failure, for the reason of a run that ends inconclusive. */
  let tlsFailure: string | null = null;
  let tlsInfo: TlsInfo | null = null;
  let extensions: string[] = [];

  const openSession = async (): Promise<SmtpSession> => {
    connectionCount += 1;
    return SmtpSession.open(
      connector,
      {
        address,
        port,
        implicitTls,
        ...(hostName && isHostName(hostName) ? { servername: hostName } : {}),
      },
      { limits, transcript, conn: connectionCount, heloName },
    );
  };

  /** EHLO, then STARTTLS where offered or demanded. Returns an error text when unusable. */
  const prepare = async (session: SmtpSession): Promise<Reply> => {
    const ehlo = await session.ehlo();
    const offered = session.supports("STARTTLS");
    if (request.starttls !== false && !implicitTls && !tlsBroken && (offered || forceStartTls)) {
      try {
        const reply = await session.startTls();
        if (reply.code === 220) tlsInfo ??= session.tls;
      } catch (error) {
        if (error instanceof SmtpError && error.kind === "tls") {
          tlsBroken = true;
          tlsFailure ??= error.message;
        }
        throw error;
      }
    }
    if (implicitTls) tlsInfo ??= session.tls;
    return ehlo;
  };

  /** A connection ready for mail: greeted with 220 and prepared; closed again on failure. */
  const openReadySession = async (): Promise<SmtpSession> => {
    const session = await openSession();
    try {
      if (session.banner.code !== 220) {
        throw new SmtpError("protocol", `greeting ${session.banner.code} ${session.banner.text}`);
      }
      await prepare(session);
    } catch (error) {
      await session.quit();
      throw error;
    }
    return session;
  };

  const blocked = (reason: string) => finish(reason, []);

  const finish = (blockedBeforeTesting: string | null, expanded: ExpandedCase[]): ProbeResult => {
    const cases = expanded.map(
      (entry) =>
        results.get(entry.id) ?? {
          ...entry,
          outcome: "error" as const,
          step: "connect" as const,
          reply: null,
          note: "not tried",
          conn: null,
          attempts: 0,
          data: null,
        },
    );
    const decided = decideVerdict({ cases, blockedBeforeTesting });
    const { verdict } = decided;
    // Why an inconclusive run could not use TLS belongs in its reason, not only in the log.
    const reason =
      verdict === "inconclusive" && tlsFailure && !decided.reason.includes(tlsFailure)
        ? `${decided.reason}; STARTTLS failed from this vantage: ${tlsFailure}`
        : decided.reason;
    const finishedAt = Date.now();
    return {
      target: { host: hostName ?? address, port, address, implicitTls },
      names: {
        host: names?.host ?? hostName ?? address,
        targetDomain: names?.targetDomain ?? "",
        canaryDomain: request.canaryDomain,
      },
      verdict,
      reason,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: finishedAt - startedAt,
      banner: summarize(firstBanner),
      extensions,
      tls: tlsInfo,
      cases,
      connections,
      transcript: transcript.entries,
    };
  };

  let names: { host: string; targetDomain: string } | null = null;
  let firstBanner: Reply | null = null;

  // The first connection tells us the server's own names, which the cases need.
  let firstSession: SmtpSession;
  let firstEhlo: Reply;
  const firstStarted = new Date().toISOString();
  try {
    firstSession = await openSession();
    firstBanner = firstSession.banner;
  } catch (error) {
    return blocked(describeFailure(error, "could not open a session"));
  }
  if (firstSession.banner.code !== 220) {
    await firstSession.quit();
    const banner = firstSession.banner;
    connections.push(
      connectionSummary(1, firstStarted, [], false, false, `greeting ${banner.code}`),
    );
    return blocked(
      banner.code === 421
        ? `the server is not accepting connections now (421 at the greeting: ${banner.text})`
        : `the server refused our client at the greeting (${banner.code} ${banner.text}); test from another network`,
    );
  }
  try {
    firstEhlo = await prepare(firstSession);
  } catch (error) {
    await firstSession.quit();
    // A TLS failure (a certificate this runtime refuses) still leaves plain text to test in:
    // one more connection without STARTTLS; a server that demands TLS then says so with 530.
    if (!tlsBroken) return blocked(describeFailure(error, "the session failed before any case"));
    try {
      firstSession = await openSession();
      if (firstSession.banner.code !== 220) throw error;
      firstEhlo = await prepare(firstSession);
    } catch (retryError) {
      await firstSession.quit();
      return blocked(describeFailure(retryError, "the session failed before any case"));
    }
  }
  extensions = [...firstSession.extensions.keys()];

  const literal = addressLiteral(address);
  const host = ownHostName(firstBanner, firstEhlo, hostName, literal);
  names = {
    host,
    targetDomain:
      request.targetDomain?.toLowerCase() ??
      domainOfHost(host.startsWith("[") ? (hostName ?? host) : host),
  };
  const wanted = request.caseIds ? new Set(request.caseIds) : null;
  const catalogue = RELAY_CASES.filter((relayCase) => !wanted || wanted.has(relayCase.id));
  const caseNames = {
    address,
    host: names.host,
    targetDomain: names.targetDomain,
    canaryDomain: request.canaryDomain.toLowerCase(),
    randomLabel: randomLabel(10),
    nonce: request.tokenNonce ?? randomLabel(8),
  };
  const expanded = catalogue.map((relayCase) =>
    expandCase(relayCase, RELAY_CASES.indexOf(relayCase), caseNames),
  );
  const queue = new CaseQueue(expanded);
  let inFlight = 0;
  let failedConnectionsInARow = 0;
  let abortReason: string | null = null;
  const quitting: Promise<void>[] = [];
  const progress = new Signal();

  const record = (entry: PendingCase, result: ChunkStep & { kind: "answered" }, conn: number) => {
    const full: CaseResult = { ...result.result, conn, attempts: entry.attempts, data: null };
    results.set(full.id, full);
    hooks.onCase?.(full);
  };

  const giveUp = (entry: PendingCase, outcome: "deferred" | "error", note: string) => {
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
    results.set(full.id, full);
    hooks.onCase?.(full);
  };

  const retryLater = (entry: PendingCase, afterSeconds: number, note: string) => {
    const notBefore = Date.now() + afterSeconds * 1000 + RETRY_MARGIN_MS;
    entry.lastNote = note;
    if (
      afterSeconds > options.maxRetryWaitSeconds ||
      notBefore >= deadline ||
      entry.attempts >= options.maxAttemptsPerCase
    ) {
      giveUp(entry, "deferred", `still deferred: ${note}`);
      return;
    }
    entry.notBefore = notBefore;
    queue.putBack(entry);
  };

  const requeue = (entry: PendingCase, note: string) => {
    entry.lastNote = note;
    if (entry.attempts >= options.maxAttemptsPerCase) {
      giveUp(entry, "error", `no answer after ${entry.attempts} attempts: ${note}`);
      return;
    }
    queue.putBack(entry);
  };

  const runChunk = async (session: SmtpSession, chunk: PendingCase[]) => {
    const conn = session.conn;
    const connStarted = new Date().toISOString();
    const pipelined = options.pipelining && session.supports("PIPELINING");
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
        requeue(entry, stopped ?? ending);
        return;
      }
      if (step.kind === "answered") {
        answeredAny = true;
        record(entry, step, conn);
      } else if (step.kind === "retry") {
        answeredAny = true;
        retryLater(entry, step.afterSeconds, step.note);
      } else {
        if (step.needsTls) forceStartTls = true;
        if (step.stopChunk) stopped = step.note;
        requeue(entry, step.note);
      }
    });
    if (stopped) ending = stopped;
    // The next connection need not wait for this one's 221: QUIT finishes in the background.
    quitting.push(session.quit());
    connections.push(
      connectionSummary(
        conn,
        connStarted,
        chunk.map((entry) => entry.expanded.id),
        session.tls !== null,
        pipelined,
        ending,
      ),
    );
    failedConnectionsInARow = answeredAny ? 0 : failedConnectionsInARow + 1;
    if (failedConnectionsInARow >= MAX_CONSECUTIVE_FAILED_CONNECTIONS) {
      abortReason = `${failedConnectionsInARow} connections in a row gave no answer (last: ${ending})`;
    }
  };

  const worker = async (initial: SmtpSession | null) => {
    let session = initial;
    while (!abortReason && Date.now() < deadline && (queue.size > 0 || inFlight > 0)) {
      const chunk = queue.take(options.casesPerConnection, Date.now());
      if (chunk.length === 0) {
        // Nothing ready: wait for a greylisted case's time, or for another worker to finish.
        const readyAt = queue.nextReadyAt() ?? deadline;
        await progress.wait(Math.min(readyAt, deadline) - Date.now());
        continue;
      }
      inFlight += chunk.length;
      try {
        if (!session) {
          const connStarted = new Date().toISOString();
          try {
            session = await openReadySession();
          } catch (error) {
            const note = describeFailure(error, "could not open a session");
            connections.push(
              connectionSummary(connectionCount, connStarted, [], false, false, note),
            );
            for (const entry of chunk) {
              entry.attempts += 1;
              requeue(entry, note);
            }
            session = null;
            failedConnectionsInARow += 1;
            if (failedConnectionsInARow >= MAX_CONSECUTIVE_FAILED_CONNECTIONS) {
              abortReason = `${failedConnectionsInARow} connections in a row failed (last: ${note})`;
            }
            continue;
          }
        }
        await runChunk(session, chunk);
        session = null;
      } finally {
        inFlight -= chunk.length;
        progress.notify();
      }
    }
    await session?.quit();
  };

  const workers = [worker(firstSession)];
  for (let index = 1; index < options.maxConnections; index += 1) workers.push(worker(null));
  await Promise.all(workers);
  await Promise.all(quitting);

  for (const entry of queue.drain()) {
    const cutOff = abortReason ?? "cut off by the deadline before this case was answered";
    if (entry.lastNote && entry.notBefore > 0)
      giveUp(entry, "deferred", `still deferred: ${entry.lastNote}`);
    else giveUp(entry, "error", entry.lastNote ? `${cutOff}; last: ${entry.lastNote}` : cutOff);
  }

  // Delivery proof comes after the suite, so its messages never change what the suite saw.
  if (request.proof && request.proof.maxMessages > 0) {
    const answered = expanded.flatMap((entry) => results.get(entry.id) ?? []);
    const dataReplies = await deliverProof(answered, request.proof, {
      canaryDomain: caseNames.canaryDomain,
      targetHost: hostName ?? address,
      ownNames: { host: names.host, targetDomain: names.targetDomain, addressLiteral: literal },
      openReadySession,
      transcript,
      connections,
      deadline,
    });
    for (const [id, data] of dataReplies) {
      const answeredCase = results.get(id);
      if (answeredCase) results.set(id, { ...answeredCase, data });
    }
  }
  return finish(null, expanded);
}

/** Thrown when a connection fails part way through a chunk, carrying what was decided. */
class ChunkInterrupted extends Error {
  constructor(
    readonly steps: ChunkStep[],
    override readonly cause: unknown,
  ) {
    super("chunk interrupted");
  }
}

function describeFailure(error: unknown, context: string): string {
  if (error instanceof SmtpError) return `${context}: ${error.kind}: ${error.message}`;
  return `${context}: ${error instanceof Error ? error.message : String(error)}`;
}

function connectionSummary(
  conn: number,
  startedAt: string,
  cases: string[],
  tls: boolean,
  pipelined: boolean,
  ending: string,
): ConnectionSummary {
  return { conn, startedAt, endedAt: new Date().toISOString(), cases, tls, pipelined, ending };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

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
  return fromMeaning(classifyRcptReply(rcptReply), "rcpt", rcptReply);
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
