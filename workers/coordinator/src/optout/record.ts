/**
 * The DNS form of an opt-out. The owner of a domain publishes TXT `_relaywatch.<domain>` with
 * `v=rw1; optout`; the owner of an address publishes the same under its reverse DNS name
 * (`_relaywatch.4.3.2.1.in-addr.arpa`, or the ip6.arpa nibble name), which only whoever runs
 * the address's reverse zone can do. The same label carries the public-list token, so a record
 * is an opt-out only when it starts with the version tag.
 */

export const OPT_OUT_LABEL = "_relaywatch";
export const OPT_OUT_RECORD = "v=rw1; optout";

/** Longer TXT records are not ours; they are not parsed at all. */
const MAX_RECORD_LENGTH = 512;

export function optOutName(domain: string): string {
  return `${OPT_OUT_LABEL}.${domain}`;
}

/** `v=rw1; optout` in any case and spacing; other tags after the version are allowed. */
export function isOptOutRecord(text: string): boolean {
  if (text.length > MAX_RECORD_LENGTH) return false;
  const tags = text
    .split(";")
    .map((tag) => tag.trim().toLowerCase())
    .filter((tag) => tag !== "");
  return tags[0]?.replace(/\s+/g, "") === "v=rw1" && tags.slice(1).includes("optout");
}
