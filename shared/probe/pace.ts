/**
 * The adaptive connection plan: what the timing of the server's replies says about it, and how
 * the run re-plans. A greeting pause (sendmail's greet_pause) makes every new connection cost the
 * pause, so the connections are opened together while the first one waits; a per-RCPT slowdown
 * (sendmail's bad-RCPT throttle, Postfix's error sleep, Exim's) makes later connections carry
 * fewer cases; a tarpit (replies, or their bytes, slowed to a crawl) ends the run as soon as the
 * projected time exceeds the tarpit budget, keeping every case answered so far. Everything stays
 * within the per-target budget: `maxConnections` at once, `maxTotalConnections` in all.
 */
import type { SmtpSession } from "../smtp/session.ts";
import type { ProbeRun } from "./runner.ts";

/**
 * A banner later than this after the connection is taken for a greeting pause. Guessing wrong
 * costs little: the first wave of connections opens as soon as the banner comes anyway.
 */
export const SLOW_GREETING_MS = 150;
/** A refused RCPT this much slower than the fastest of its connection is a throttle. */
const SLOWDOWN_MS = 400;
/** Below this per reply, the suite fits any budget: no projection is made. */
const SLOW_REPLY_MS = 250;
/** How often the tarpit watch looks at the open connections. */
const WATCH_INTERVAL_MS = 200;
/** Replies one case costs (MAIL, RCPT, the RSET before the next) and one connection (banner, EHLO). */
const REPLIES_PER_CASE = 3;
const REPLIES_PER_CONNECTION = 2;
/** Service times remembered for the projection. */
const MAX_SAMPLES = 64;

/** What the run has learnt about the server's pace, and the plan it leads to. */
export interface Pace {
  /** Milliseconds the first banner took, once known. */
  greetingMs: number | null;
  greetingPause: boolean;
  /** Cases a connection carries; lowered by a throttle or an error limit. */
  casesPerConnection: number;
  /** Seen a throttle or an error limit: bigger chunks would cost more than connections do. */
  limitSeen: boolean;
  /** Recent times between a case's reply and the one before it on its connection (or its
   *  command): what each further case costs. */
  serviceMs: number[];
  /** How long each connection's EHLO took: what each further connection costs, besides the
   *  greeting. Kept apart, since a server slow to greet (reverse DNS) may be quick after. */
  setupMs: number[];
}

export function startPace(casesPerConnection: number): Pace {
  return {
    greetingMs: null,
    greetingPause: false,
    casesPerConnection,
    limitSeen: false,
    serviceMs: [],
    setupMs: [],
  };
}

/** Replies that open a connection; their time is a connection's cost, not a case's. */
const SETUP_VERBS = new Set(["EHLO", "HELO", "STARTTLS"]);
/** Replies whose time says nothing of the pace: the greeting (timed apart), the end of a
 *  message (content scanning may take its time), QUIT, and stray replies. */
const UNPACED_VERBS = new Set(["greeting", ".", "QUIT", "unsolicited"]);

/** Records how long the server took over one reply, as each one is taken. */
export function observeReply(pace: Pace, verb: string, servedMs: number): void {
  if (UNPACED_VERBS.has(verb)) return;
  const samples = SETUP_VERBS.has(verb) ? pace.setupMs : pace.serviceMs;
  samples.push(servedMs);
  if (samples.length > MAX_SAMPLES) samples.shift();
}

/**
 * The index of the first case whose refused RCPT came markedly slower than the fastest of the
 * chunk: the cases before it are what one connection carries at full speed. Null when none.
 * `rcptMs[i]` is how long case i's RCPT reply took after its MAIL reply.
 */
export function firstSlowCase(rcptMs: readonly (number | null)[]): number | null {
  const known = rcptMs.filter((ms): ms is number => ms !== null);
  if (known.length < 2) return null;
  const fastest = Math.min(...known);
  const index = rcptMs.findIndex((ms) => ms !== null && ms > fastest + SLOWDOWN_MS);
  return index > 0 ? index : null;
}

/** Lowers the cases per connection after a throttle or an error limit cut in at `carried`. */
export function limitCasesPerConnection(run: ProbeRun, carried: number, why: string): void {
  const { pace } = run;
  const next = Math.max(1, carried);
  pace.limitSeen = true;
  if (next >= pace.casesPerConnection) return;
  pace.casesPerConnection = next;
  run.transcript.note(0, `${why}: ${next} cases per connection from now on`);
}

/** Connections the suite may still open, keeping the DATA step's share of the budget. */
export function connectionsLeftForSuite(run: ProbeRun): number {
  const { maxTotalConnections, maxConnections } = run.options;
  const dataShare = Math.min(run.request.proof?.maxMessages ?? 0, maxConnections);
  return maxTotalConnections - dataShare - run.connectionCount;
}

/**
 * How many cases the next connection carries: the plan's size, but enough that the cases left
 * fit the connections left (`holding` is 1 when the asking worker already has one); after a
 * greeting pause, with no limit seen, one wave of connections carries them all, since each new
 * connection costs the pause again.
 */
export function nextChunkSize(run: ProbeRun, casesLeft: number, holding: number): number {
  const { pace } = run;
  const left = Math.max(1, connectionsLeftForSuite(run) + run.spares.length + holding);
  let size = Math.max(pace.casesPerConnection, Math.ceil(casesLeft / left));
  if (pace.greetingPause && !pace.limitSeen) {
    size = Math.max(size, Math.ceil(casesLeft / run.options.maxConnections));
  }
  return size;
}

/** Fewer connections are left than the cases left need at the plan's size. */
export function connectionsScarce(run: ProbeRun, casesLeft: number, holding: number): boolean {
  const left = connectionsLeftForSuite(run) + run.spares.length + holding;
  return Math.ceil(casesLeft / run.pace.casesPerConnection) > left;
}

/** How many connections to open at once at the start: one wave for the whole suite. */
export function firstWave(run: ProbeRun, cases: number): number {
  const wanted = Math.ceil(cases / run.pace.casesPerConnection);
  return Math.max(1, Math.min(run.options.maxConnections, wanted, connectionsLeftForSuite(run)));
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * What a case's reply costs: the mean seen; before any, a server slow both to greet and to
 * answer EHLO is taken to be slow throughout (the lesser of the two), while one slow at only
 * one of them (a reverse-DNS lookup) is not.
 */
function caseReplyMs(pace: Pace): number {
  if (pace.serviceMs.length > 0) return mean(pace.serviceMs);
  if (pace.setupMs.length === 0 || pace.greetingMs === null) return 0;
  return Math.min(pace.greetingMs, mean(pace.setupMs));
}

/**
 * When the run would end at the pace seen so far, or null when the pace is normal: the replies
 * the open connections still owe and those the cases not yet sent will need, at the mean time
 * per case reply seen (a server that only slows its refusals shows here too), and the
 * connections still to open at the greeting and EHLO times seen, spread over as many
 * connections as may be open at once. A reply still trickling in counts with the time it has
 * taken so far, a lower bound for any reply.
 */
export function projectedEnd(
  run: ProbeRun,
  sessions: Iterable<SmtpSession>,
  casesNotSent: number,
  now: number,
): number | null {
  const { pace } = run;
  let trickle = 0;
  let owed = 0;
  for (const session of sessions) {
    trickle = Math.max(trickle, session.partialReplyAgeMs(now) ?? 0);
    owed += session.repliesOwed;
  }
  const perReply = Math.max(caseReplyMs(pace), trickle);
  const perConnection = Math.max(mean(pace.setupMs), trickle) + (pace.greetingMs ?? trickle);
  if (perReply < SLOW_REPLY_MS && perConnection < SLOW_REPLY_MS * REPLIES_PER_CONNECTION) {
    return null;
  }
  const connections = Math.ceil(casesNotSent / pace.casesPerConnection);
  const work = (owed + casesNotSent * REPLIES_PER_CASE) * perReply + connections * perConnection;
  return now + work / run.options.maxConnections;
}

/** Ends the run at once: every open connection is closed, and `reason` explains the cases left. */
export function stopRun(run: ProbeRun, reason: string): void {
  if (run.stopReason) return;
  run.stopReason = reason;
  run.transcript.note(0, reason);
  for (const session of run.sessions) void session.close();
  run.onStop?.();
}

/**
 * Watches the pace while the run lasts and stops it as a tarpit once the projected end lies
 * beyond the tarpit budget. Returns the function that ends the watch.
 */
export function watchForTarpit(run: ProbeRun, casesNotSent: () => number): () => void {
  const budgetEnd = run.startedAt + run.options.tarpitBudgetMs;
  const timer = setInterval(() => {
    const now = Date.now();
    if (run.stopReason) return;
    const end = projectedEnd(run, run.sessions, casesNotSent(), now);
    if (end === null || end <= budgetEnd) return;
    const seconds = (end - run.startedAt) / 1000;
    stopRun(
      run,
      `tarpit: the server answers so slowly that the suite would take about ${seconds.toFixed(1)} s, over the tarpit budget of ${run.options.tarpitBudgetMs / 1000} s`,
    );
  }, WATCH_INTERVAL_MS);
  return () => clearInterval(timer);
}
