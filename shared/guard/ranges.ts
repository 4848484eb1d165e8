/**
 * The special-purpose address blocks the guard refuses, with the words a user reads.
 * Sources: the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and updates).
 * Ordered so that a more specific block comes before any block containing it.
 */
import ipaddr, { type IPv4, type IPv6 } from "ipaddr.js";
import { embeddedAtRfc6052Prefix, embeddedIn6to4, embeddedInLastBits } from "./embedded.ts";

export interface SpecialRange<Address> {
  readonly network: Address;
  readonly prefixLength: number;
  /** The block as written in messages, e.g. "127.0.0.0/8". */
  readonly cidr: string;
  /** Completes "<address> is ...", e.g. "a loopback address". */
  readonly description: string;
  readonly loopback: boolean;
}

/** An IPv6 block whose addresses stand for IPv4 addresses, judged by the IPv4 inside. */
export interface EmbeddingRange extends SpecialRange<IPv6> {
  /** Every IPv4 address the IPv6 address may stand for. */
  embeddedIPv4(address: IPv6): IPv4[];
  /**
   * What to connect to once accepted. Mapped and compatible forms are IPv4 hosts in IPv6
   * notation, so the IPv4 address is the real target; NAT64 and 6to4 addresses are real IPv6
   * destinations (a translator, a 6to4 site) and are used as they are.
   */
  readonly connectVia: "ipv4" | "ipv6";
}

function ipv4Range(cidr: string, description: string, loopback = false): SpecialRange<IPv4> {
  const [network, prefixLength] = ipaddr.IPv4.parseCIDR(cidr);
  return { network, prefixLength, cidr, description, loopback };
}

function ipv6Range(cidr: string, description: string, loopback = false): SpecialRange<IPv6> {
  const [network, prefixLength] = ipaddr.IPv6.parseCIDR(cidr);
  return { network, prefixLength, cidr, description, loopback };
}

function embeddingRange(
  cidr: string,
  description: string,
  connectVia: EmbeddingRange["connectVia"],
  embeddedIPv4: (address: IPv6) => IPv4[],
): EmbeddingRange {
  return { ...ipv6Range(cidr, description), connectVia, embeddedIPv4 };
}

const PRIVATE = "a private address";
const DOCUMENTATION = "a documentation address";
const AS112 = "an AS112 DNS sink address";

export const IPV4_SPECIAL_RANGES: readonly SpecialRange<IPv4>[] = [
  ipv4Range("0.0.0.0/8", 'an unspecified ("this network") address'),
  ipv4Range("127.0.0.0/8", "a loopback address", true),
  ipv4Range("10.0.0.0/8", PRIVATE),
  ipv4Range("172.16.0.0/12", PRIVATE),
  ipv4Range("192.168.0.0/16", PRIVATE),
  ipv4Range("100.64.0.0/10", "a carrier-grade NAT address"),
  ipv4Range("169.254.0.0/16", "a link-local address"),
  ipv4Range("192.0.0.0/24", "an IETF protocol assignment address"),
  ipv4Range("192.0.2.0/24", DOCUMENTATION),
  ipv4Range("198.51.100.0/24", DOCUMENTATION),
  ipv4Range("203.0.113.0/24", DOCUMENTATION),
  ipv4Range("192.88.99.0/24", "a 6to4 relay anycast address"),
  ipv4Range("198.18.0.0/15", "a benchmarking address"),
  ipv4Range("192.31.196.0/24", AS112),
  ipv4Range("192.175.48.0/24", AS112),
  ipv4Range("192.52.193.0/24", "an AMT relay anycast address"),
  ipv4Range("224.0.0.0/4", "a multicast address"),
  ipv4Range("255.255.255.255/32", "the broadcast address"),
  ipv4Range("240.0.0.0/4", "a reserved address"),
];

export const IPV6_SPECIAL_RANGES: readonly (SpecialRange<IPv6> | EmbeddingRange)[] = [
  ipv6Range("::/128", "the unspecified address"),
  ipv6Range("::1/128", "the loopback address", true),
  embeddingRange("::ffff:0:0/96", "an IPv4-mapped address", "ipv4", embeddedInLastBits),
  embeddingRange("::/96", "an IPv4-compatible address", "ipv4", embeddedInLastBits),
  ipv6Range("::ffff:0:0:0/96", "an IPv4-translated address"),
  embeddingRange("64:ff9b::/96", "a NAT64 address", "ipv6", embeddedInLastBits),
  // RFC 8215 lets each network pick its own prefix length inside the local-use block, so the
  // IPv4 address may sit at any RFC 6052 position: every reading must be acceptable.
  embeddingRange("64:ff9b:1::/48", "a local-use NAT64 address", "ipv6", (address) =>
    [48, 56, 64, 96].map((prefixLength) => embeddedAtRfc6052Prefix(address, prefixLength)),
  ),
  ipv6Range("100::/64", "a discard-only address"),
  ipv6Range("2001::/32", "a Teredo tunnelling address"),
  ipv6Range("2001:2::/48", "a benchmarking address"),
  ipv6Range("2001:10::/28", "an ORCHID address"),
  ipv6Range("2001:20::/28", "an ORCHIDv2 address"),
  ipv6Range("2001:db8::/32", DOCUMENTATION),
  ipv6Range("2001::/23", "an IETF protocol assignment address"),
  ipv6Range("2620:4f:8000::/48", AS112),
  embeddingRange("2002::/16", "a 6to4 address", "ipv6", (address) => [embeddedIn6to4(address)]),
  ipv6Range("3fff::/20", DOCUMENTATION),
  ipv6Range("fc00::/7", "a unique local (private) address"),
  ipv6Range("fe80::/10", "a link-local address"),
  ipv6Range("fec0::/10", "a site-local address"),
  ipv6Range("ff00::/8", "a multicast address"),
];

/** Only 2000::/3 is allocated for global unicast; everything outside it is not a mail server. */
export const IPV6_GLOBAL_UNICAST: SpecialRange<IPv6> = ipv6Range(
  "2000::/3",
  "the global unicast range",
);

export function isEmbeddingRange(
  range: SpecialRange<IPv6> | EmbeddingRange,
): range is EmbeddingRange {
  return "embeddedIPv4" in range;
}
