import type { ProbeHooks } from "../shared/probe/runner.ts";
import { runProbe } from "../shared/probe/runner.ts";
import type { ProbeResult } from "../shared/schemas/probe-result.ts";
import { nodejsConnector } from "../shared/smtp/nodejs-stream.ts";
import { usesImplicitTls } from "../shared/smtp/ports.ts";
import { type CheckArgs, MAX_DATA_MESSAGES } from "./args.ts";
import type { TestPlan } from "./resolve.ts";

/**
 * Addresses tested at once. Each run keeps to the per-address budget (6 connections at once), so
 * only distinct addresses are tested side by side: one reached through two MX hosts never sees
 * more than the agreed 6 at a time from us.
 */
const ADDRESSES_AT_ONCE = 2;

/**
 * Each address's share of the DATA step's messages, fixed up front so that addresses tested side
 * by side stay within MAX_DATA_MESSAGES together: the first addresses get one more.
 */
export function dataShares(total: number, addresses: number): number[] {
  return Array.from(
    { length: addresses },
    (_, index) => Math.floor(total / addresses) + (index < total % addresses ? 1 : 0),
  );
}

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
 * Runs the suite against every address, a few at a time, each with the whole time budget and
 * its share of the DATA step's messages (none with --no-data).
 */
export async function testEveryAddress(
  args: CheckArgs,
  plan: TestPlan,
  hooksFor: (index: number) => ProbeHooks & { onStart?: () => void },
  onDone: (index: number, result: ProbeResult) => void = () => {},
): Promise<AddressResult[]> {
  const targets = addressTargets(plan);
  const results: AddressResult[] = new Array(targets.length);
  const shares = dataShares(args.data ? MAX_DATA_MESSAGES : 0, targets.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < targets.length; index = next++) {
      const target = targets[index] as AddressTarget;
      const hooks = hooksFor(index);
      hooks.onStart?.();
      const result = await runProbe(
        nodejsConnector,
        {
          target: {
            address: target.address,
            port: args.port,
            hostName: target.mxHost,
            implicitTls: args.implicitTls || usesImplicitTls(args.port),
          },
          canaryDomain: args.canaryDomain,
          // As the coordinator does: a domain check's senders use the domain itself.
          targetDomain: args.domain ?? (plan.kind === "domain" ? plan.target : null),
          ...(args.caseIds ? { caseIds: args.caseIds } : {}),
          timeBudgetMs: args.timeoutMs,
          pipelining: args.pipelining,
          starttls: args.starttls,
          // The message, not the RCPT reply, decides: one labelled message per accepted case,
          // to the canary domain only, unless --no-data.
          proof: args.data ? { reportUrl: null, maxMessages: shares[index] ?? 0 } : null,
        },
        hooks,
      );
      results[index] = { ...target, result };
      onDone(index, result);
    }
  };
  const distinct = new Set(targets.map((target) => target.address)).size === targets.length;
  const workers = distinct ? Math.min(ADDRESSES_AT_ONCE, targets.length) : 1;
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
