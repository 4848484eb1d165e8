/** Reading the IPv4 address carried inside an IPv6 address. */
import ipaddr, { type IPv4, type IPv6 } from "ipaddr.js";

/**
 * Byte positions of the IPv4 address for each RFC 6052 prefix length. Bits 64-71 (byte 8,
 * the "u" octet) are always skipped.
 */
const RFC6052_IPV4_BYTES: Readonly<Record<number, readonly number[]>> = {
  32: [4, 5, 6, 7],
  40: [5, 6, 7, 9],
  48: [6, 7, 9, 10],
  56: [7, 9, 10, 11],
  64: [9, 10, 11, 12],
  96: [12, 13, 14, 15],
};

/** The last 32 bits: IPv4-mapped, IPv4-compatible and /96 NAT64 addresses. */
export function embeddedInLastBits(address: IPv6): IPv4[] {
  return [embeddedAtRfc6052Prefix(address, 96)];
}

/** 6to4 (RFC 3056): 2002:AABB:CCDD::/48 belongs to the site at IPv4 AA.BB.CC.DD. */
export function embeddedIn6to4(address: IPv6): IPv4 {
  return ipv4FromBytes(address, [2, 3, 4, 5]);
}

export function embeddedAtRfc6052Prefix(address: IPv6, prefixLength: number): IPv4 {
  const positions = RFC6052_IPV4_BYTES[prefixLength];
  if (positions === undefined) throw new RangeError(`no RFC 6052 prefix of length ${prefixLength}`);
  return ipv4FromBytes(address, positions);
}

function ipv4FromBytes(address: IPv6, positions: readonly number[]): IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(positions.map((position) => bytes[position] ?? 0));
}
