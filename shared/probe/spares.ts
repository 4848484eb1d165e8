/**
 * Connections opened ahead of need: one wave at the start, so that a greeting pause is waited
 * out once, by all of them together, rather than once per wave.
 */
import { connectionsLeftForSuite } from "./pace.ts";
import type { ProbeRun, SpareSession } from "./run-context.ts";
import { openReadySession } from "./session-opener.ts";

/** Opens up to `count` ready connections in the background, within the suite's budget. */
export function openSpares(run: ProbeRun, count: number): void {
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
