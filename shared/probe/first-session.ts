/**
 * The first connection: it must be usable before any case runs, and it tells us the server's
 * own names, which the cases need. It then carries the first chunk of cases.
 */
import type { SmtpSession } from "../smtp/session.ts";
import type { Reply } from "../smtp/types.ts";
import { addressLiteral } from "./expand.ts";
import { domainOfHost, ownHostName } from "./names.ts";
import { firstWave, SLOW_GREETING_MS } from "./pace.ts";
import type { ProbeRun, ServerNames } from "./run-context.ts";
import { openSession, prepare } from "./session-opener.ts";
import { openSpares } from "./spares.ts";
import { connectionSummary, describeFailure } from "./summaries.ts";

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
