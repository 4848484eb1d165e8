/**
 * Opening connections the way every connection of a run is opened (numbered for the transcript,
 * greeted, then EHLO and STARTTLS as the run's TLS policy says), within the run's budget: the
 * first connection, the wave of spares opened beside it, and each later one as a worker needs it.
 */
import { SmtpSession } from "../smtp/session.ts";
import { type Reply, SmtpError } from "../smtp/types.ts";
import { addressLiteral } from "./expand.ts";
import { domainOfHost, isHostName, ownHostName } from "./names.ts";
import { connectionsLeftForSuite, firstWave, observeReply, SLOW_GREETING_MS } from "./pace.ts";
import type { ProbeRun, ServerNames, SpareSession } from "./runner.ts";
import { connectionSummary, describeFailure } from "./summaries.ts";

/*
 * The first connection: it must be usable before any case runs, and it tells us the server's
 * own names, which the cases need. It then carries the first chunk of cases.
 */

/** A prepared first session and its EHLO reply, or why the run cannot test at all. */
export type FirstSession = { session: SmtpSession; ehlo: Reply } | { blocked: string };

/**
 * Opens the first connection and, beside it, the rest of the first wave: a greeting pause is
 * then waited out once, by every connection together, and a server without one is answered a
 * round trip sooner. A banner that is slow to come is noted as a greeting pause, so that later
 * connections are planned as one wave too.
 */
export async function openFirstSession(run: ProbeRun, cases: number): Promise<FirstSession> {
  let firstSession: SmtpSession;
  let firstEhlo: Reply;
  const firstStarted = new Date().toISOString();
  const opening = openSession(run);
  openSpares(run, firstWave(run, cases) - 1);
  if (await stillWaiting(opening, SLOW_GREETING_MS)) {
    run.pace.greetingPause = true;
    run.transcript.note(
      0,
      `no greeting after ${SLOW_GREETING_MS} ms (a greeting pause): the first wave of ${run.spares.length + 1} connections waits it out together`,
    );
  }
  try {
    firstSession = await opening;
    run.firstBanner = firstSession.banner;
    run.pace.greetingMs = firstSession.bannerWaitMs;
  } catch (error) {
    return { blocked: describeFailure(error, "could not open a session") };
  }
  if (firstSession.banner.code !== 220) {
    await firstSession.quit();
    const banner = firstSession.banner;
    run.connections.push(
      connectionSummary(1, firstStarted, [], false, false, `greeting ${banner.code}`),
    );
    return {
      blocked:
        banner.code === 421
          ? `the server is not accepting connections now (421 at the greeting: ${banner.text})`
          : `the server refused our client at the greeting (${banner.code} ${banner.text}); test from another network`,
    };
  }
  try {
    firstEhlo = await prepare(run, firstSession);
  } catch (error) {
    await firstSession.quit();
    // A TLS failure (a certificate this runtime refuses) still leaves plain text to test in:
    // one more connection without STARTTLS; a server that demands TLS then says so with 530.
    if (!run.tls.broken) {
      return { blocked: describeFailure(error, "the session failed before any case") };
    }
    try {
      firstSession = await openSession(run);
      if (firstSession.banner.code !== 220) throw error;
      firstEhlo = await prepare(run, firstSession);
    } catch (retryError) {
      await firstSession.quit();
      return { blocked: describeFailure(retryError, "the session failed before any case") };
    }
  }
  run.extensions = [...firstSession.extensions.keys()];
  return { session: firstSession, ehlo: firstEhlo };
}

/**
 * The server's own names: its host name from the first banner or EHLO (else the name we were
 * given, else the address literal), and its mail domain unless the request names it.
 */
export function learnServerNames(run: ProbeRun, firstEhlo: Reply): ServerNames {
  const { address, hostName } = run.target;
  const host = ownHostName(run.firstBanner, firstEhlo, hostName, addressLiteral(address));
  return {
    host,
    targetDomain:
      run.request.targetDomain?.toLowerCase() ??
      domainOfHost(host.startsWith("[") ? (hostName ?? host) : host),
  };
}

/** True when `promise` has not settled within `ms`. */
async function stillWaiting(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  const settled = promise.then(
    () => false,
    () => false,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/*
 * Connections opened ahead of need: one wave at the start, so that a greeting pause is waited
 * out once, by all of them together, rather than once per wave.
 */

/** Opens up to `count` ready connections in the background, within the suite's budget. */
function openSpares(run: ProbeRun, count: number): void {
  const allowed = Math.min(count, connectionsLeftForSuite(run));
  for (let index = 0; index < allowed; index += 1) {
    run.spares.push(
      openReadySession(run).then(
        (session) => ({ session }),
        (error: unknown) => ({ error }),
      ),
    );
  }
}

/** How often a worker looks again for a free place among the connections open at once. */
const FREE_PLACE_POLL_MS = 10;

/**
 * A spare connection if one was opened, else a new one once fewer than `maxConnections` are
 * open: a connection still finishing its QUIT counts, so the budget holds on the wire too.
 * Never throws.
 */
export async function takeSession(run: ProbeRun): Promise<SpareSession> {
  const spare = run.spares.shift();
  if (spare) return spare;
  while (openConnections(run) >= run.options.maxConnections && Date.now() < run.deadline) {
    if (run.stopReason) break;
    await new Promise((resolve) => setTimeout(resolve, FREE_PLACE_POLL_MS));
  }
  try {
    return { session: await openReadySession(run) };
  } catch (error) {
    return { error };
  }
}

function openConnections(run: ProbeRun): number {
  let open = run.connecting;
  for (const session of run.sessions) if (!session.released) open += 1;
  return open;
}

/** Ends the spare connections nobody took. */
export async function releaseSpares(run: ProbeRun): Promise<void> {
  const unused = run.spares.splice(0);
  await Promise.all(
    unused.map(async (spare) => {
      const outcome = await spare;
      if ("session" in outcome) await outcome.session.quit();
    }),
  );
}

/* Opening one connection, and making it ready for mail. */

/**
 * Connects and reads the banner; the banner is not checked here. Refuses, before any socket,
 * a connection beyond the run's budget or after the run was stopped.
 */
async function openSession(run: ProbeRun): Promise<SmtpSession> {
  const { maxTotalConnections } = run.options;
  if (run.stopReason) throw new SmtpError("connect", run.stopReason);
  if (run.connectionCount >= maxTotalConnections) {
    throw new SmtpError(
      "connect",
      `the budget of ${maxTotalConnections} connections to this target is spent`,
    );
  }
  run.connectionCount += 1;
  run.connecting += 1;
  let connected = false;
  const { address, port, implicitTls, hostName, heloName } = run.target;
  try {
    return await SmtpSession.open(
      run.connector,
      {
        address,
        port,
        implicitTls,
        ...(hostName && isHostName(hostName) ? { servername: hostName } : {}),
      },
      {
        limits: run.limits,
        transcript: run.transcript,
        conn: run.connectionCount,
        heloName,
        onReply: (verb, servedMs) => observeReply(run.pace, verb, servedMs),
        onConnected: (session) => {
          connected = true;
          run.connecting -= 1;
          run.sessions.add(session);
          // Stopped while connecting: the late connection closes at once.
          if (run.stopReason) void session.close();
        },
      },
    );
  } catch (error) {
    // Implicit TLS that failed in its handshake: the run's reason says so, like STARTTLS's.
    if (error instanceof SmtpError && error.kind === "tls") run.tls.failure ??= error.message;
    throw error;
  } finally {
    // A connection that never came up is no longer being made either.
    if (!connected) run.connecting -= 1;
  }
}

/**
 * EHLO, then STARTTLS where offered or demanded. Returns the plaintext EHLO reply (the server
 * names itself there); throws when the session is unusable.
 */
export async function prepare(run: ProbeRun, session: SmtpSession): Promise<Reply> {
  const { tls } = run;
  const { implicitTls } = run.target;
  const ehlo = await session.ehlo();
  const offered = session.supports("STARTTLS");
  if (run.request.starttls !== false && !implicitTls && !tls.broken && (offered || tls.force)) {
    try {
      const reply = await session.startTls();
      if (reply.code === 220) tls.info ??= session.tls;
    } catch (error) {
      if (error instanceof SmtpError && error.kind === "tls") {
        tls.broken = true;
        tls.failure ??= error.message;
      }
      throw error;
    }
  }
  if (implicitTls) tls.info ??= session.tls;
  return ehlo;
}

/** A connection ready for mail: greeted with 220 and prepared; closed again on failure. */
export async function openReadySession(run: ProbeRun): Promise<SmtpSession> {
  const session = await openSession(run);
  try {
    if (session.banner.code !== 220) {
      throw new SmtpError("protocol", `greeting ${session.banner.code} ${session.banner.text}`);
    }
    await prepare(run, session);
  } catch (error) {
    await session.quit();
    throw error;
  }
  return session;
}
