import { isHostName } from "../probe/names.ts";
import { DnsError, normalizeName, type Resolver } from "./resolver.ts";

export interface MailHost {
  host: string;
  /** Null for the implicit MX (RFC 5321 §5.1). */
  preference: number | null;
  addresses: string[];
}

export interface FanOutLimits {
  maxMxHosts: number;
  maxAddressesPerHost: number;
}

export const DEFAULT_FAN_OUT: FanOutLimits = { maxMxHosts: 5, maxAddressesPerHost: 2 };

/**
 * The addresses without repeats, IPv4 and IPv6 taking turns, so a cut to the first few keeps
 * both families: a server may relay for IPv6 clients only (Docker's userland proxy makes every
 * IPv6 client look local to mailcow and docker-mailserver), and resolvers list IPv4 first.
 */
export function bothFamiliesFirst(addresses: string[]): string[] {
  const unique = [...new Set(addresses)];
  const v4 = unique.filter((address) => !address.includes(":"));
  const v6 = unique.filter((address) => address.includes(":"));
  const turns: string[] = [];
  for (let index = 0; index < Math.max(v4.length, v6.length); index += 1) {
    for (const family of [v4, v6]) {
      const address = family[index];
      if (address !== undefined) turns.push(address);
    }
  }
  return turns;
}

/**
 * The mail hosts of a domain and their addresses, as a sender would find them: MX records in
 * preference order, or the domain itself as the implicit MX when it has none (RFC 5321 §5.1).
 * A null MX (RFC 7505) means the domain takes no mail, so there is nothing to test.
 */
export async function resolveMailHosts(
  resolver: Resolver,
  domain: string,
  limits: FanOutLimits = DEFAULT_FAN_OUT,
): Promise<MailHost[]> {
  const name = normalizeName(domain);
  const records = await resolver.mx(name);
  if (records === null) throw new DnsError("no_such_domain", `${name} does not exist in DNS`);
  if (records.length === 1 && records[0]?.exchange === "") {
    throw new DnsError(
      "null_mx",
      `${name} publishes a null MX (RFC 7505): it accepts no mail, so it cannot relay`,
    );
  }
  // An exchange that is no host name (an address literal, control characters from a hostile
  // answer) is skipped, as MTAs skip it; a repeated one is tested once, at its best preference.
  const usable = records
    .filter((record) => isHostName(record.exchange))
    .sort((a, b) => a.preference - b.preference);
  const exchanges =
    records.length > 0
      ? usable
          .filter(
            (record, index) => usable.findIndex((o) => o.exchange === record.exchange) === index,
          )
          .slice(0, limits.maxMxHosts)
      : [{ preference: null, exchange: name }];
  if (exchanges.length === 0) {
    throw new DnsError("no_mail_host", `the MX records of ${name} name no valid host`);
  }
  const hosts = await Promise.all(
    exchanges.map(async (record) => ({
      host: record.exchange,
      preference: record.preference,
      addresses: bothFamiliesFirst(await resolver.addresses(record.exchange)).slice(
        0,
        limits.maxAddressesPerHost,
      ),
    })),
  );
  const reachable = hosts.filter((host) => host.addresses.length > 0);
  if (reachable.length === 0) {
    throw new DnsError(
      "no_mail_host",
      `no mail host of ${name} has an address (${hosts.map((h) => h.host).join(", ")})`,
    );
  }
  return reachable;
}
