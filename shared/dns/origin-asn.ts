import ipaddr from "ipaddr.js";
import { z } from "zod";
import type { Resolver } from "./resolver.ts";

/**
 * The origin network of a target address, from Team Cymru's IP-to-ASN data over DNS (the same
 * resolver as MX lookups; the lab's zone file locally):
 *
 *   1.0.0.127.origin.asn.cymru.com  TXT "64500 | 127.0.0.0/8 | ZZ | lab | 2026-01-01"
 *   <32 nibbles>.origin6.asn.cymru.com  the same for IPv6
 *   AS64500.asn.cymru.com           TXT "64500 | ZZ | lab | 2026-01-01 | LAB-HOSTING, ZZ"
 *
 * A prefix announced by several ASes (MOAS) lists them all; a vantage in any of them is inside.
 * Everything read here is a stranger's DNS data: bounded, parsed strictly, and a lookup that
 * fails or makes no sense leaves the origin unknown (null), which is never "inside".
 */
export const TargetOrigin = z.object({
  asns: z.array(z.number().int().min(1).max(4_294_967_295)).min(1).max(8),
  /** The AS name of the first AS, as the registry spells it; null when that lookup failed. */
  name: z.string().max(128).nullable(),
});
export type TargetOrigin = z.infer<typeof TargetOrigin>;

const ORIGIN4_ZONE = "origin.asn.cymru.com";
const ORIGIN6_ZONE = "origin6.asn.cymru.com";
const AS_NAME_ZONE = "asn.cymru.com";
/** More records than this for one address is not data we trust. */
const MAX_RECORDS = 4;
const MAX_ASNS = 8;

/** The Cymru query name of an address: reversed octets, or reversed nibbles for IPv6. */
export function originQueryName(address: string): string | null {
  if (!ipaddr.isValid(address)) return null;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") {
    return `${parsed.toString().split(".").reverse().join(".")}.${ORIGIN4_ZONE}`;
  }
  const nibbles = (parsed as ipaddr.IPv6).parts
    .map((part) => part.toString(16).padStart(4, "0"))
    .join("")
    .split("");
  return `${nibbles.reverse().join(".")}.${ORIGIN6_ZONE}`;
}

/** "64500 64501 | 127.0.0.0/8 | ZZ | lab | 2026-01-01" -> [64500, 64501]; null when malformed. */
export function parseOriginRecord(text: string): number[] | null {
  const first = text.slice(0, 256).split("|")[0]?.trim() ?? "";
  if (!/^\d{1,10}(?: \d{1,10})*$/.test(first)) return null;
  const asns = first.split(" ").map(Number);
  if (asns.length > MAX_ASNS || asns.some((asn) => asn < 1 || asn > 4_294_967_295)) return null;
  return asns;
}

/** "64500 | ZZ | lab | 2026-01-01 | LAB-HOSTING, ZZ" -> "LAB-HOSTING, ZZ"; printable, bounded. */
export function parseAsNameRecord(asn: number, text: string): string | null {
  const fields = text.slice(0, 512).split("|");
  if (fields.length < 5 || fields[0]?.trim() !== String(asn)) return null;
  const name = fields
    .slice(4)
    .join("|")
    .trim()
    .replace(/[^\x20-\x7e]/g, "");
  return name ? name.slice(0, 128) : null;
}

async function originAsns(resolver: Resolver, address: string): Promise<number[] | null> {
  const name = originQueryName(address);
  if (name === null) return null;
  const records = (await resolver.txt(name)).slice(0, MAX_RECORDS);
  const asns = new Set<number>();
  for (const record of records) {
    const parsed = parseOriginRecord(record);
    if (parsed === null) return null;
    for (const asn of parsed) asns.add(asn);
  }
  return asns.size > 0 && asns.size <= MAX_ASNS ? [...asns] : null;
}

async function asName(resolver: Resolver, asn: number): Promise<string | null> {
  try {
    const [record] = await resolver.txt(`AS${asn}.${AS_NAME_ZONE}`);
    return record === undefined ? null : parseAsNameRecord(asn, record);
  } catch {
    return null;
  }
}

/** The origin of one address; null (unknown) when the lookup fails or says nothing usable. */
export async function lookupOrigin(
  resolver: Resolver,
  address: string,
): Promise<TargetOrigin | null> {
  let asns: number[] | null;
  try {
    asns = await originAsns(resolver, address);
  } catch {
    return null;
  }
  if (asns === null) return null;
  const [first] = asns;
  return { asns, name: first === undefined ? null : await asName(resolver, first) };
}

/** The origins of a check's addresses, looked up at once (a check has at most a few dozen). */
export async function lookupOrigins(
  resolver: Resolver,
  addresses: readonly string[],
): Promise<Record<string, TargetOrigin | null>> {
  const unique = [...new Set(addresses)];
  const origins = await Promise.all(unique.map((address) => lookupOrigin(resolver, address)));
  return Object.fromEntries(unique.map((address, index) => [address, origins[index] ?? null]));
}

/** A node in any of the address's origin ASes is inside its network; unknown is not inside. */
export function isInside(origin: TargetOrigin | null | undefined, nodeAsn: number): boolean {
  return origin?.asns.includes(nodeAsn) ?? false;
}
