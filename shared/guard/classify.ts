/** Sorting an address into public, loopback or refused, with the reason in words. */
import type { IPv4, IPv6 } from "ipaddr.js";
import {
  type EmbeddingRange,
  IPV4_SPECIAL_RANGES,
  IPV6_GLOBAL_UNICAST,
  IPV6_SPECIAL_RANGES,
  isEmbeddingRange,
  type SpecialRange,
} from "./ranges.ts";

/**
 * `explanation` completes a sentence about the address: "is a loopback address (127.0.0.0/8)".
 * `connectTo` is the canonical text a socket should be given.
 */
export type Classification =
  | { kind: "public"; connectTo: string }
  | { kind: "loopback"; connectTo: string; explanation: string }
  | { kind: "refused"; explanation: string };

export function classifyAddress(address: IPv4 | IPv6): Classification {
  return isIPv4(address) ? classifyIPv4(address) : classifyIPv6(address);
}

function isIPv4(address: IPv4 | IPv6): address is IPv4 {
  return address.kind() === "ipv4";
}

function classifyIPv4(address: IPv4): Classification {
  const range = IPV4_SPECIAL_RANGES.find((candidate) => inRange(address, candidate));
  if (range !== undefined) return fromRange(range, address.toString());
  return unlessLibraryObjects(address.range(), address.toString());
}

function classifyIPv6(address: IPv6): Classification {
  const range = IPV6_SPECIAL_RANGES.find((candidate) => inRange(address, candidate));
  if (range !== undefined) {
    return isEmbeddingRange(range)
      ? classifyEmbedded(address, range)
      : fromRange(range, address.toString());
  }
  if (!inRange(address, IPV6_GLOBAL_UNICAST)) {
    return {
      kind: "refused",
      explanation: `is not in ${IPV6_GLOBAL_UNICAST.description} (${IPV6_GLOBAL_UNICAST.cidr})`,
    };
  }
  return unlessLibraryObjects(address.range(), address.toString());
}

/** An embedding address is only as good as the worst IPv4 address it may stand for. */
function classifyEmbedded(address: IPv6, range: EmbeddingRange): Classification {
  const readings = range.embeddedIPv4(address).map((ipv4) => ({
    ipv4,
    classification: classifyIPv4(ipv4),
  }));
  const worst =
    readings.find((reading) => reading.classification.kind === "refused") ??
    readings.find((reading) => reading.classification.kind === "loopback");
  const first = readings[0];
  const connectTo =
    range.connectVia === "ipv4" && first !== undefined ? first.ipv4.toString() : address.toString();
  if (worst === undefined || worst.classification.kind === "public") {
    return { kind: "public", connectTo };
  }
  const explanation =
    `is ${range.description} (${range.cidr}) for ${worst.ipv4.toString()}, ` +
    `which ${worst.classification.explanation}`;
  return worst.classification.kind === "loopback"
    ? { kind: "loopback", connectTo, explanation }
    : { kind: "refused", explanation };
}

function inRange<Address extends IPv4 | IPv6>(
  address: Address,
  range: SpecialRange<Address>,
): boolean {
  return address.match(range.network, range.prefixLength);
}

function fromRange<Address>(range: SpecialRange<Address>, connectTo: string): Classification {
  const explanation = `is ${range.description} (${range.cidr})`;
  return range.loopback
    ? { kind: "loopback", connectTo, explanation }
    : { kind: "refused", explanation };
}

/**
 * A second opinion from ipaddr.js's own range table, so a special block it knows and our
 * table lacks (including any it learns in a later version) is refused, not let through.
 */
function unlessLibraryObjects(libraryRange: string, connectTo: string): Classification {
  if (libraryRange === "unicast") return { kind: "public", connectTo };
  return {
    kind: "refused",
    explanation: `is a special-purpose address (ipaddr.js range "${libraryRange}")`,
  };
}
