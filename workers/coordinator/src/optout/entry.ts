import ipaddr from "ipaddr.js";
import { parseDomainName } from "../badge/domain-name.ts";
import type { OptOutKind } from "../db/schema.ts";

/**
 * An operator's opt-out entry, as `npm run admin -- add-optout` takes it and opt_outs stores it:
 * a domain (covering its subdomains), an address, or a CIDR block. Shared by the admin CLI and
 * the coordinator, so both spell an entry the same way.
 */
export interface OptOutEntry {
  kind: OptOutKind;
  value: string;
}

/** Wider blocks than these are not one owner's network; refusing them avoids a typo's damage. */
const MIN_PREFIX = { ipv4: 8, ipv6: 19 } as const;

export function parseOptOutEntry(input: string): OptOutEntry | null {
  const text = input.trim();
  if (ipaddr.isValidCIDR(text) || ipaddr.isValid(text)) {
    const [network, length] = ipaddr.isValidCIDR(text)
      ? ipaddr.parseCIDR(text)
      : [ipaddr.parse(text), ipaddr.parse(text).kind() === "ipv4" ? 32 : 128];
    // An IPv4-mapped IPv6 address is its IPv4 address.
    const address =
      network.kind() === "ipv6" && (network as ipaddr.IPv6).isIPv4MappedAddress()
        ? (network as ipaddr.IPv6).toIPv4Address()
        : network;
    const prefix = address.kind() === network.kind() ? length : Math.max(0, length - 96);
    if (prefix < MIN_PREFIX[address.kind()]) return null;
    const base = ipaddr.fromByteArray(networkBytes(address.toByteArray(), prefix));
    return { kind: "network", value: `${base.toString()}/${prefix}` };
  }
  const domain = parseDomainName(text);
  return domain === null ? null : { kind: "domain", value: domain };
}

function networkBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((byte, index) => {
    const bits = Math.min(8, Math.max(0, prefix - index * 8));
    return byte & (0xff << (8 - bits)) & 0xff;
  });
}

/** Whether `address` (canonical text) lies in the entry's block. */
export function networkContains(cidr: string, address: string): boolean {
  try {
    const parsed = ipaddr.process(address);
    const [network, prefix] = ipaddr.parseCIDR(cidr);
    return parsed.kind() === network.kind() && parsed.match(network, prefix);
  } catch {
    return false;
  }
}

/** Parents looked up per name: a D1 query binds at most 100 parameters. */
const MAX_PARENTS = 20;

/**
 * The domain and its parents with at least two labels, the shortest first and at most 20: an
 * entry for a parent covers it.
 */
export function domainAndParents(domain: string): string[] {
  const labels = domain.split(".");
  const names: string[] = [];
  for (let count = 2; count <= labels.length && names.length < MAX_PARENTS; count += 1) {
    names.push(labels.slice(-count).join("."));
  }
  return names;
}
