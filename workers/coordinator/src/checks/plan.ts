import { type MailHost, resolveMailHosts } from "../../../../shared/dns/mail-hosts.ts";
import { isInside, lookupOrigins, type TargetOrigin } from "../../../../shared/dns/origin-asn.ts";
import { DnsError, type Resolver } from "../../../../shared/dns/resolver.ts";
import {
  checkTarget,
  GuardError,
  isLoopbackAddress,
  parseHostInput,
} from "../../../../shared/guard/index.ts";
import { CHECK_BUDGET } from "../../../../shared/probe/budget.ts";
import type { CreateCheckRequest } from "../../../../shared/schemas/api.ts";
import type { UnavailableVantage } from "../../../../shared/schemas/check-report.ts";
import type { PlannedVantage } from "../db/repository.ts";
import type { ProbeNodeRow } from "../db/schema.ts";
import { type CoordinatorConfig, isPrivateChannel } from "../env.ts";
import { BadRequest, ServiceUnavailable, Unprocessable } from "../errors.ts";
import { isPlannable } from "../nodes/registry.ts";

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
  /** Each tested address's origin network (null: unknown). */
  origins: Record<string, TargetOrigin | null>;
  /** Nodes that could have tested the port but were out: the report names them. */
  unavailable: UnavailableVantage[];
}

/** More (address x vantage) jobs than this for one check is a fan-out we refuse to make. */
const MAX_JOBS_PER_CHECK = 40;
const MAX_VANTAGES_PER_ADDRESS = CHECK_BUDGET.maxVantagesPerAddress;

/** Whether a node may be sent to this address and port (loopback only in local development). */
export function nodeReaches(
  node: Pick<ProbeNodeRow, "ports">,
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
 * and reserved ranges are refused unless local development opted in), pick the registry's
 * nodes that may reach the port (a node failing its health checks is named as unavailable, not
 * waited for), and mark each vantage `inside` when its node is in the address's origin AS.
 * The address checked here is the one the probe connects to.
 */
export async function planCheck(
  request: CreateCheckRequest,
  resolver: Resolver,
  config: CoordinatorConfig,
  nodes: readonly ProbeNodeRow[],
  newId: () => string,
): Promise<CheckPlan> {
  const port = request.port ?? 25;
  const mailHosts = await mailHostsFor(request, resolver);
  const policy = { allowLoopback: config.allowLoopback };
  const refused: CheckPlan["refused"] = [];
  const guarded: MailHost[] = [];
  // Each address is probed once per check, under the first (most preferred) MX host naming it:
  // five MX names on one server are one server, not five targets.
  const seen = new Set<string>();
  for (const mailHost of mailHosts) {
    const addresses: string[] = [];
    for (const address of mailHost.addresses) {
      try {
        // The guard's canonical form: every spelling of one address is one address.
        const checked = checkTarget(address, port, policy).address;
        if (!seen.has(checked)) addresses.push(checked);
        seen.add(checked);
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
  const active = nodes.filter((node) => node.state === "active");
  const planned: { mailHost: MailHost; address: string; node: ProbeNodeRow }[] = [];
  const unavailable = new Map<string, UnavailableVantage>();
  for (const mailHost of guarded) {
    for (const address of mailHost.addresses) {
      const reachable = (node: ProbeNodeRow) => nodeReaches(node, address, port, config);
      const candidates = active.filter(reachable).slice(0, MAX_VANTAGES_PER_ADDRESS);
      for (const node of candidates) {
        if (!isPrivateChannel(node, config.allowLoopback))
          unavailable.set(node.id, {
            nodeId: node.id,
            region: node.region,
            reason: "reached over plain http, and jobs carry proof keys",
          });
        else if (isPlannable(node)) planned.push({ mailHost, address, node });
        else
          unavailable.set(node.id, {
            nodeId: node.id,
            region: node.region,
            reason: `failing its health checks${node.healthError ? ` (${node.healthError})` : ""}`,
          });
      }
    }
  }
  if (planned.length === 0) {
    const out = [...unavailable.values()].map((node) => `${node.nodeId} (${node.region})`);
    throw new ServiceUnavailable(
      "no_vantage",
      out.length > 0
        ? `every probe node that may reach port ${port} is unavailable: ${out.join(", ")}`
        : `no probe node may reach port ${port}`,
    );
  }
  if (planned.length > MAX_JOBS_PER_CHECK) {
    throw new Unprocessable(
      "too_many_targets",
      `this check would need ${planned.length} probe runs; the limit is ${MAX_JOBS_PER_CHECK}`,
    );
  }
  const origins = await lookupOrigins(
    resolver,
    guarded.flatMap((mailHost) => mailHost.addresses),
  );
  const vantages = planned.map(
    ({ mailHost, address, node }): PlannedVantage => ({
      id: newId(),
      mxHost: mailHost.host,
      mxPreference: mailHost.preference,
      address,
      port,
      nodeId: node.id,
      region: node.region,
      network: node.network,
      nodeAsn: node.asn,
      inside: isInside(origins[address], node.asn),
    }),
  );
  return {
    kind: "domain" in request ? "domain" : "host",
    target: ("domain" in request ? request.domain : request.host).toLowerCase().replace(/\.$/, ""),
    port,
    domainName: "domain" in request ? request.domain.toLowerCase().replace(/\.$/, "") : null,
    mailHosts: guarded,
    refused,
    vantages,
    origins,
    unavailable: [...unavailable.values()],
  };
}
