import type { ProbeResult } from "../schemas/probe-result.ts";
import type { Connector } from "../smtp/types.ts";
import { settleLeftovers } from "./case-outcomes.ts";
import { inTellingOrder } from "./cases.ts";
import { runWorkers } from "./connection-workers.ts";
import { runDataStep } from "./delivery-step.ts";
import { finishProbe } from "./finish.ts";
import { learnServerNames, openFirstSession } from "./first-session.ts";
import { watchForTarpit } from "./pace.ts";
import type { ProbeRequest } from "./request.ts";
import { type ProbeHooks, startRun } from "./run-context.ts";
import { releaseSpares } from "./spares.ts";
import { expandSuite, suiteSize } from "./suite-cases.ts";
import { type SuiteState, startSuite } from "./suite-state.ts";

export type { ProbeHooks } from "./run-context.ts";

/**
 * Runs the relay suite against one address. Cases are spread over several short connections
 * so that no default error limit (Postfix smtpd_soft_error_limit, Exim smtp_accept_max_nonmail)
 * cuts the suite off, and the plan adapts to the server's pace (see pace.ts); a dropped
 * connection resumes on a new one; greylisted cases wait out the server's delay when the
 * deadline allows. Accepted cases then go on to DATA, whose answer decides them. Nothing is
 * awaited past the time budget, nor past the tarpit budget against a server that crawls.
 */
export async function runProbe(
  connector: Connector,
  request: ProbeRequest,
  hooks: ProbeHooks = {},
): Promise<ProbeResult> {
  const run = startRun(connector, request, hooks);
  const planned = suiteSize(request);
  let suite: SuiteState | null = null;
  const stopWatching = watchForTarpit(run, () => (suite ? suite.queue.size : planned));
  try {
    // The first connection tells us the server's own names, which the cases need.
    const first = await openFirstSession(run, planned);
    if ("blocked" in first) {
      await releaseSpares(run);
      return finishProbe(run, run.stopReason ?? first.blocked, [], "not-needed");
    }
    const names = learnServerNames(run, first.ehlo);
    run.names = names;
    const expanded = expandSuite(run, names);
    hooks.onPlan?.(expanded.length);

    const started = startSuite(run, inTellingOrder(expanded));
    suite = started;
    run.onStop = () => started.progress.notify();
    await runWorkers(started, first.session);
    settleLeftovers(started);

    // The DATA step comes after the suite, so its messages never change what the suite saw.
    const dataStep = await runDataStep(run, names, expanded, request.proof ?? null);
    return finishProbe(run, null, expanded, dataStep);
  } finally {
    stopWatching();
  }
}
