import type { ProbeResult } from "../schemas/probe-result.ts";
import type { Connector } from "../smtp/types.ts";
import { settleLeftovers } from "./case-outcomes.ts";
import { runWorkers } from "./connection-workers.ts";
import { addDeliveryProof } from "./delivery-step.ts";
import { finishProbe } from "./finish.ts";
import { learnServerNames, openFirstSession } from "./first-session.ts";
import type { ProbeRequest } from "./request.ts";
import { type ProbeHooks, startRun } from "./run-context.ts";
import { expandSuite } from "./suite-cases.ts";
import { startSuite } from "./suite-state.ts";

export type { ProbeHooks } from "./run-context.ts";

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
  const run = startRun(connector, request, hooks);

  // The first connection tells us the server's own names, which the cases need.
  const first = await openFirstSession(run);
  if ("blocked" in first) return finishProbe(run, first.blocked, []);
  const names = learnServerNames(run, first.ehlo);
  run.names = names;
  const expanded = expandSuite(run, names);
  hooks.onPlan?.(expanded.length);

  const suite = startSuite(run, expanded);
  await runWorkers(suite, first.session);
  settleLeftovers(suite);

  // Delivery proof comes after the suite, so its messages never change what the suite saw.
  if (request.proof && request.proof.maxMessages > 0) {
    await addDeliveryProof(run, names, expanded, request.proof);
  }
  return finishProbe(run, null, expanded);
}
