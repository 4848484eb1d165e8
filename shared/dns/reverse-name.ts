import ipaddr from "ipaddr.js";

/**
 * An address's labels in reverse order, as reverse DNS and DNS blocklists name it: `4.3.2.1` for
 * 1.2.3.4, 32 nibbles for an IPv6 address (RFC 1035 3.5, RFC 3596 2.5). IPv4-mapped IPv6
 * addresses are their IPv4 address.
 */
export function reversedLabels(address: string): string {
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toByteArray().reverse().join(".");
  return parsed
    .toByteArray()
    .flatMap((byte) => [byte >> 4, byte & 15])
    .map((nibble) => nibble.toString(16))
    .reverse()
    .join(".");
}

/** `4.3.2.1.in-addr.arpa` or the `ip6.arpa` nibble name of an address. */
export function reverseName(address: string): string {
  const suffix = ipaddr.process(address).kind() === "ipv4" ? "in-addr.arpa" : "ip6.arpa";
  return `${reversedLabels(address)}.${suffix}`;
}
