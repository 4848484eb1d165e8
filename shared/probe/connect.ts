/**
 * Opening a connection the way every connection of a run is opened: numbered for the
 * transcript, greeted, then EHLO and STARTTLS as the run's TLS policy says.
 */
import { SmtpSession } from "../smtp/session.ts";
import { type Reply, SmtpError } from "../smtp/types.ts";
import { isHostName } from "./names.ts";
import { observeReply } from "./pace.ts";
import type { ProbeRun } from "./run-context.ts";

/**
 * Connects and reads the banner; the banner is not checked here. Refuses, before any socket,
 * a connection beyond the run's budget or after the run was stopped.
 */
export async function openSession(run: ProbeRun): Promise<SmtpSession> {
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
