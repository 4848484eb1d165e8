import { type MailHost, resolveMailHosts } from "../../../../shared/dns/mail-hosts.ts";
import { DnsError, type Resolver } from "../../../../shared/dns/resolver.ts";
import {
  checkTarget,
  GuardError,
  isLoopbackAddress,
  parseHostInput,
} from "../../../../shared/guard/index.ts";
import { CHECK_BUDGET } from "../../../../shared/probe/budget.ts";
import type { CreateCheckRequest } from "../../../../shared/schemas/api.ts";
import type { VantageNode } from "../../../../shared/schemas/protocol.ts";
import type { PlannedVantage } from "../db/repository.ts";
import type { CoordinatorConfig } from "../env.ts";
import { BadRequest, ServiceUnavailable, Unprocessable } from "../errors.ts";

export type { PlannedVantage };

export interface CheckPlan {
  kind: "domain" | "host";
  target: string;
  port: number;
  domainName: string | null;
  mailHosts: MailHost[];
  /** Addresses the guard refused, with why: shown to the user, never contacted. */
  refused: { host: string; address: string; reason: string }[];
  vantages: PlannedVantage[];
}

/** More (address x vantage) jobs than this for one check is a fan-out we refuse to make. */
const MAX_JOBS_PER_CHECK = 40;
const MAX_VANTAGES_PER_ADDRESS = CHECK_BUDGET.maxVantagesPerAddress;

/** Whether a node may be sent to this address and port (loopback only in local development). */
export function nodeReaches(
  node: VantageNode,
  address: string,
  port: number,
  config: CoordinatorConfig,
): boolean {
  return node.ports.includes(port) || (config.allowLoopback && isLoopbackAddress(address));
}

async function mailHostsFor(request: CreateCheckRequest, resolver: Resolver): Promise<MailHost[]> {
  const input = "domain" in request ? request.domain : request.host;
  let parsed: ReturnType<typeof parseHostInput>;
  try {
    parsed = parseHostInput(input);
  } catch (error) {
    if (error instanceof GuardError) throw new BadRequest(error.code, error.message);
    throw error;
  }
  try {
    if ("domain" in request) {
      if (parsed.kind !== "name") {
        throw new BadRequest(
          "invalid_domain",
          `"${input}" is an address, not a domain; send it as "host"`,
        );
      }
      return await resolveMailHosts(resolver, parsed.name);
    }
    if (parsed.kind === "address")
      return [{ host: parsed.address, preference: null, addresses: [parsed.address] }];
    const addresses = await resolver.addresses(parsed.name);
    if (addresses.length === 0)
      throw new Unprocessable("no_address", `${parsed.name} has no A or AAAA record`);
    return [{ host: parsed.name, preference: null, addresses }];
  } catch (error) {
    if (error instanceof DnsError) throw new Unprocessable(error.code, error.message);
    throw error;
  }
}

/**
 * Turns a request into the jobs of a check: resolve, guard every address (loopback, private
 * and reserved ranges are refused unless local development opted in), and pick the vantages
 * that may reach the port. The address checked here is the one the probe connects to.
 */
export async function planCheck(
  request: CreateCheckRequest,
  resolver: Resolver,
  config: CoordinatorConfig,
  newId: () => string,
): Promise<CheckPlan> {
  const port = request.port ?? 25;
  const mailHosts = await mailHostsFor(request, resolver);
  const policy = { allowLoopback: config.allowLoopback };
  const refused: CheckPlan["refused"] = [];
  const guarded: MailHost[] = [];
  // Each address is probed once per check, under the first (most preferred) MX host naming it:
  // five MX names on one server are one server, not five targets.
  const planned = new Set<string>();
  for (const mailHost of mailHosts) {
    const addresses: string[] = [];
    for (const address of mailHost.addresses) {
      try {
        // The guard's canonical form: every spelling of one address is one address.
        const checked = checkTarget(address, port, policy).address;
        if (!planned.has(checked)) addresses.push(checked);
        planned.add(checked);
      } catch (error) {
        if (!(error instanceof GuardError)) throw error;
        refused.push({ host: mailHost.host, address, reason: error.message });
      }
    }
    if (addresses.length > 0) guarded.push({ ...mailHost, addresses });
  }
  if (guarded.length === 0) {
    const first = refused[0];
    throw new BadRequest(
      "forbidden_target",
      first ? `${first.host}: ${first.reason}` : "no address of the target may be tested",
    );
  }
  const vantages: PlannedVantage[] = [];
  for (const mailHost of guarded) {
    for (const address of mailHost.addresses) {
      const reachable = (node: VantageNode) => nodeReaches(node, address, port, config);
      for (const node of config.nodes.filter(reachable).slice(0, MAX_VANTAGES_PER_ADDRESS)) {
        vantages.push({
          id: newId(),
          mxHost: mailHost.host,
          mxPreference: mailHost.preference,
          address,
          port,
          nodeId: node.id,
          region: node.region,
          network: node.network,
        });
      }
    }
  }
  if (vantages.length === 0) {
    throw new ServiceUnavailable("no_vantage", `no probe node may reach port ${port}`);
  }
  if (vantages.length > MAX_JOBS_PER_CHECK) {
    throw new Unprocessable(
      "too_many_targets",
      `this check would need ${vantages.length} probe runs; the limit is ${MAX_JOBS_PER_CHECK}`,
    );
  }
  return {
    kind: "domain" in request ? "domain" : "host",
    target: ("domain" in request ? request.domain : request.host).toLowerCase().replace(/\.$/, ""),
    port,
    domainName: "domain" in request ? request.domain.toLowerCase().replace(/\.$/, "") : null,
    mailHosts: guarded,
    refused,
    vantages,
  };
}
