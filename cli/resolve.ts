import { Resolver as DnsClient, lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { DohResolver } from "../shared/dns/doh-resolver.ts";
import {
  bothFamiliesFirst,
  type FanOutLimits,
  type MailHost,
  resolveMailHosts,
} from "../shared/dns/mail-hosts.ts";
import { DnsError, type MxRecord, normalizeName, type Resolver } from "../shared/dns/resolver.ts";
import { shown } from "../shared/guard/display.ts";
import type { HostInput } from "../shared/guard/index.ts";
import type { CheckArgs } from "./args.ts";

export class UnknownHostError extends Error {}

/**
 * One run from this machine has no job budget to share, so it tests far more than the
 * coordinator's fan-out; the cap only bounds what a hostile DNS answer can make us contact.
 */
const CLI_FAN_OUT: FanOutLimits = { maxMxHosts: 10, maxAddressesPerHost: 8 };

/** Tries with this timeout each before a name server counts as not answering. */
const DNS_TIMEOUT_MS = 5_000;

/** What the CLI will test and how it found it: the output says which was done. */
export interface TestPlan {
  kind: "domain" | "host";
  /** The domain, or the host as named. */
  target: string;
  /** `mx` when the domain has MX records, `implicit` when it has none (RFC 5321 §5.1). */
  found: "mx" | "implicit" | "named";
  /** The hosts with the addresses to test, in MX preference order. */
  mailHosts: MailHost[];
  /** Addresses left out: not IP addresses (a broken DNS answer), or of the family not asked for. */
  skipped: { host: string; address: string; reason: string }[];
}

/**
 * The system's resolver, as any program on this machine sees DNS: MX records from the name
 * servers in resolv.conf, addresses through getaddrinfo (so /etc/hosts counts too).
 */
export class SystemResolver implements Resolver {
  private readonly client = new DnsClient({ timeout: DNS_TIMEOUT_MS, tries: 2 });

  /** `servers` (`address[:port]`) replaces resolv.conf's name servers for MX: tests use it. */
  constructor(servers?: string[]) {
    if (servers) this.client.setServers(servers);
  }

  async mx(name: string): Promise<MxRecord[] | null> {
    try {
      const records = await this.client.resolveMx(name);
      return records.map((record) => ({
        preference: record.priority,
        exchange: normalizeName(record.exchange),
      }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTFOUND") return null;
      if (code === "ENODATA") return [];
      throw new DnsError("dns_failure", `DNS query for ${name} MX failed: ${code ?? error}`);
    }
  }

  async addresses(name: string): Promise<string[]> {
    try {
      return (await lookup(name, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTFOUND" || code === "ENODATA") return [];
      throw new DnsError("dns_failure", `cannot resolve ${name}: ${code ?? error}`);
    }
  }

  async txt(name: string): Promise<string[]> {
    return (await this.client.resolveTxt(name)).map((parts) => parts.join(""));
  }
}

export function resolverFor(args: Pick<CheckArgs, "doh">): Resolver {
  return args.doh ? new DohResolver(args.doh) : new SystemResolver();
}

/**
 * The mail hosts to test, found the way the coordinator finds them (one shared implementation
 * of MX order, implicit MX and null MX), then narrowed to the address family asked for. The CLI
 * tests the user's own view of a server, so loopback and private addresses are allowed here
 * (the coordinator's guard is stricter).
 */
export async function planTest(
  args: Pick<CheckArgs, "target" | "family" | "input">,
  resolver: Resolver,
): Promise<TestPlan> {
  const { target } = args;
  let plan: TestPlan;
  try {
    plan =
      target.kind === "domain"
        ? await domainPlan(target.name, resolver)
        : await hostPlan(target.host, resolver);
  } catch (error) {
    if (error instanceof DnsError) throw new UnknownHostError(error.message);
    throw error;
  }
  const mailHosts: MailHost[] = [];
  for (const mailHost of plan.mailHosts) {
    const addresses = mailHost.addresses.filter((address) => {
      const family = isIP(address);
      const reason =
        family === 0
          ? "not an IP address"
          : args.family && family !== args.family
            ? `IPv${family}, not tested with -${args.family}`
            : null;
      if (reason) plan.skipped.push({ host: mailHost.host, address, reason });
      return reason === null;
    });
    if (addresses.length > 0) mailHosts.push({ ...mailHost, addresses });
  }
  if (mailHosts.length === 0) {
    const what = args.family ? `an IPv${args.family} address` : "a usable address";
    throw new UnknownHostError(
      `no mail host of ${args.input} has ${what} (${plan.skipped.map((s) => `${s.host} ${shown(s.address)}`).join(", ")})`,
    );
  }
  return { ...plan, mailHosts };
}

async function domainPlan(domain: string, resolver: Resolver): Promise<TestPlan> {
  const mailHosts = await resolveMailHosts(resolver, domain, CLI_FAN_OUT);
  const implicit = mailHosts.every((mailHost) => mailHost.preference === null);
  return {
    kind: "domain",
    target: normalizeName(domain),
    found: implicit ? "implicit" : "mx",
    mailHosts,
    skipped: [],
  };
}

async function hostPlan(host: HostInput, resolver: Resolver): Promise<TestPlan> {
  const named = (name: string, addresses: string[]): TestPlan => ({
    kind: "host",
    target: name,
    found: "named",
    mailHosts: [{ host: name, preference: null, addresses }],
    skipped: [],
  });
  if (host.kind === "address") return named(host.address, [host.address]);
  const addresses = await resolver.addresses(host.name);
  if (addresses.length === 0) throw new UnknownHostError(`cannot resolve ${host.name}: no address`);
  return named(host.name, bothFamiliesFirst(addresses).slice(0, CLI_FAN_OUT.maxAddressesPerHost));
}
