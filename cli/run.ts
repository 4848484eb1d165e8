import type { ProbeHooks } from "../shared/probe/runner.ts";
import { runProbe } from "../shared/probe/runner.ts";
import type { ProbeResult } from "../shared/schemas/probe-result.ts";
import { nodeConnector } from "../shared/smtp/node-stream.ts";
import { type CheckArgs, MAX_DELIVERED_MESSAGES } from "./args.ts";
import type { TestPlan } from "./resolve.ts";

/**
 * Addresses tested at once. Each run keeps its own few connections (the engine's default of 3),
 * so a domain whose hosts share an address never sees more than the agreed 6 at a time from us.
 */
const ADDRESSES_AT_ONCE = 2;

/** One address of one MX host, in the order the report lists them. */
export interface AddressTarget {
  mxHost: string;
  preference: number | null;
  address: string;
}

export interface AddressResult extends AddressTarget {
  result: ProbeResult;
}

export function addressTargets(plan: TestPlan): AddressTarget[] {
  return plan.mailHosts.flatMap((mailHost) =>
    mailHost.addresses.map((address) => ({
      mxHost: mailHost.host,
      preference: mailHost.preference,
      address,
    })),
  );
}

/**
 * Runs the suite against every address, a few at a time, each with the whole time budget. With
 * --deliver they run one after another, so the canary messages of all of them together stay
 * within MAX_DELIVERED_MESSAGES.
 */
export async function testEveryAddress(
  args: CheckArgs,
  plan: TestPlan,
  hooksFor: (index: number) => ProbeHooks & { onStart?: () => void },
  onDone: (index: number, result: ProbeResult) => void = () => {},
): Promise<AddressResult[]> {
  const targets = addressTargets(plan);
  const results: AddressResult[] = new Array(targets.length);
  let delivered = 0;
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < targets.length; index = next++) {
      const target = targets[index] as AddressTarget;
      const hooks = hooksFor(index);
      hooks.onStart?.();
      const result = await runProbe(
        nodeConnector,
        {
          target: {
            address: target.address,
            port: args.port,
            hostName: target.mxHost,
            implicitTls: args.implicitTls || args.port === 465,
          },
          canaryDomain: args.canaryDomain,
          // As the coordinator does: a domain check's senders use the domain itself.
          targetDomain: args.domain ?? (plan.kind === "domain" ? plan.target : null),
          ...(args.caseIds ? { caseIds: args.caseIds } : {}),
          timeBudgetMs: args.timeoutMs,
          pipelining: args.pipelining,
          starttls: args.starttls,
          // Off unless asked: it sends real mail, one message per accepted case, to the canary domain.
          proof: args.deliver
            ? { reportUrl: null, maxMessages: MAX_DELIVERED_MESSAGES - delivered }
            : null,
        },
        hooks,
      );
      delivered += result.cases.filter((c) => c.data !== null).length;
      results[index] = { ...target, result };
      onDone(index, result);
    }
  };
  const workers = args.deliver ? 1 : Math.min(ADDRESSES_AT_ONCE, targets.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
