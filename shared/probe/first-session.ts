/**
 * The first connection: it must be usable before any case runs, and it tells us the server's
 * own names, which the cases need. It then carries the first chunk of cases.
 */
import type { SmtpSession } from "../smtp/session.ts";
import type { Reply } from "../smtp/types.ts";
import { addressLiteral } from "./expand.ts";
import { domainOfHost, ownHostName } from "./names.ts";
import type { ProbeRun, ServerNames } from "./run-context.ts";
import { openSession, prepare } from "./session-opener.ts";
import { connectionSummary, describeFailure } from "./summaries.ts";

/** A prepared first session and its EHLO reply, or why the run cannot test at all. */
export type FirstSession = { session: SmtpSession; ehlo: Reply } | { blocked: string };

export async function openFirstSession(run: ProbeRun): Promise<FirstSession> {
  let firstSession: SmtpSession;
  let firstEhlo: Reply;
  const firstStarted = new Date().toISOString();
  try {
    firstSession = await openSession(run);
    run.firstBanner = firstSession.banner;
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
