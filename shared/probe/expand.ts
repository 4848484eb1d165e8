import type { RelayCase } from "./cases.ts";

/** The names a check fills into case templates. */
export interface CaseNames {
  /** The address the probe connected to (IPv4 dotted quad or IPv6 text, no brackets). */
  address: string;
  host: string;
  targetDomain: string;
  canaryDomain: string;
  /** A random DNS label shared by the whole check. */
  randomLabel: string;
  /** A short random nonce shared by the whole check; each case's token is derived from it. */
  nonce: string;
}

export interface ExpandedCase {
  id: string;
  mailFrom: string;
  rcptTo: string;
  recipientKind: RelayCase["recipientKind"];
  /** The unique local part this case's canary message would carry. */
  token: string;
}

/** Address literal body as RFC 5321 §4.1.3 writes it inside brackets. */
export function addressLiteral(address: string): string {
  return address.includes(":") ? `IPv6:${address}` : address;
}

/** Token: `rw-<nonce>-<case index>`: only letters, digits and hyphens, safe in any local part. */
export function caseToken(nonce: string, index: number): string {
  return `rw-${nonce}-${index.toString(36)}`;
}

export function expandCase(relayCase: RelayCase, index: number, names: CaseNames): ExpandedCase {
  const token = caseToken(names.nonce, index);
  const values: Record<string, string> = {
    ip: addressLiteral(names.address),
    host: names.host,
    target_domain: names.targetDomain,
    canary_domain: names.canaryDomain,
    CANARY_DOMAIN: names.canaryDomain.toUpperCase(),
    random: names.randomLabel,
    tok: token,
  };
  const fill = (template: string) =>
    template.replace(/\{([A-Za-z_]+)\}/g, (whole, key: string) => values[key] ?? whole);
  return {
    id: relayCase.id,
    mailFrom: fill(relayCase.mailFrom),
    rcptTo: fill(relayCase.rcptTo),
    recipientKind: relayCase.recipientKind,
    token,
  };
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** A random lower-case label, valid in DNS names and local parts. */
export function randomLabel(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (byte) => BASE32[byte % 32]).join("");
}
