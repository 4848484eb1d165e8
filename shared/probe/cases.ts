/**
 * The relay case catalogue: every MAIL FROM / RCPT TO pair Relaywatch tries.
 *
 * Placeholders, expanded per target by `expandCase`:
 *   {ip}            the target's address literal body: `192.0.2.1` or `IPv6:2001:db8::1`
 *   {host}          the target's own host name (banner, EHLO, PTR or the name we were given)
 *   {target_domain} the mail domain under test
 *   {canary_domain} our domain that receives mail; every recipient is in it, never a third party
 *   {random}        a random DNS label, fresh per check (the canary domain has a wildcard MX)
 *   {tok}           a local part unique to this case and check, so a delivered message names its case
 */

/** Testers that used a form historically, so a report can say "nmap would have caught this". */
export type HistoricTester = "nmap" | "abuse.net" | "maps-rss" | "relaywatch";

/**
 * What an accepted RCPT means.
 * - `foreign`: the recipient is plainly in our domain; accepting it is relaying.
 * - `routing`: the recipient is a routing trick addressed to the server's own names
 *   (percent hack, bang path, quoted local part, source route). A catch-all may file
 *   these in a local mailbox, so acceptance alone is only suspicious.
 */
export type RecipientKind = "foreign" | "routing";

/**
 * Relay tricks grouped by what a server must get wrong to accept them: the report gives one piece
 * of advice per family, in this order (the most common mistakes first).
 */
export const CASE_FAMILIES = [
  "foreign-sender",
  "local-sender",
  "null-sender",
  "percent-hack",
  "bang-path",
  "quoted-local-part",
  "source-route",
  "spelling",
] as const;
export type CaseFamily = (typeof CASE_FAMILIES)[number];

export interface RelayCase {
  id: string;
  /** What the case tests, and the key of the report's advice for it. */
  family: CaseFamily;
  mailFrom: string;
  rcptTo: string;
  recipientKind: RecipientKind;
  description: string;
  testers: HistoricTester[];
}

const FOREIGN_RECIPIENT = "<{tok}@{canary_domain}>";

function senderCase(
  id: string,
  family: CaseFamily,
  mailFrom: string,
  description: string,
  testers: HistoricTester[],
): RelayCase {
  return {
    id,
    family,
    mailFrom,
    rcptTo: FOREIGN_RECIPIENT,
    recipientKind: "foreign",
    description,
    testers,
  };
}

function routingCase(
  id: string,
  family: CaseFamily,
  mailFrom: string,
  rcptTo: string,
  description: string,
  testers: HistoricTester[],
): RelayCase {
  return { id, family, mailFrom, rcptTo, recipientKind: "routing", description, testers };
}

export const RELAY_CASES: readonly RelayCase[] = [
  senderCase("null-sender", "null-sender", "<>", "Null reverse-path, as bounces use", [
    "nmap",
    "abuse.net",
    "maps-rss",
  ]),
  senderCase(
    "bare-sender",
    "local-sender",
    "<spamtest>",
    "Unqualified sender the server may complete with its own domain (the AppleShare IP 6.2 hole)",
    ["abuse.net", "maps-rss"],
  ),
  senderCase(
    "canary-sender",
    "foreign-sender",
    "<spamtest@{canary_domain}>",
    "Foreign sender to foreign recipient",
    ["abuse.net", "maps-rss"],
  ),
  senderCase(
    "random-subdomain-sender",
    "foreign-sender",
    "<spamtest@{random}.{canary_domain}>",
    "Foreign sender from a never-seen subdomain (defeats sender allow-lists by domain)",
    ["relaywatch"],
  ),
  senderCase(
    "localhost-sender",
    "local-sender",
    "<spamtest@localhost>",
    "Sender claiming to be localhost",
    ["maps-rss"],
  ),
  senderCase(
    "target-domain-sender",
    "local-sender",
    "<spamtest@{target_domain}>",
    "Sender forged in the target's own mail domain",
    ["nmap", "abuse.net", "maps-rss"],
  ),
  senderCase(
    "host-sender",
    "local-sender",
    "<spamtest@{host}>",
    "Sender forged as the server's own host name",
    ["nmap", "maps-rss"],
  ),
  senderCase(
    "ip-literal-sender",
    "local-sender",
    "<spamtest@[{ip}]>",
    "Sender at the server's own address literal",
    ["nmap", "maps-rss"],
  ),
  senderCase(
    "postmaster-host-sender",
    "local-sender",
    "<postmaster@{host}>",
    "Sender claiming to be a real local user at the host name",
    ["abuse.net"],
  ),
  senderCase(
    "postmaster-domain-sender",
    "local-sender",
    "<postmaster@{target_domain}>",
    "Sender claiming to be a real local user of the domain",
    ["abuse.net"],
  ),
  senderCase(
    "trailing-dot-sender",
    "spelling",
    "<spamtest@{target_domain}.>",
    "Own domain written as an absolute name with a trailing dot",
    ["relaywatch"],
  ),
  {
    id: "trailing-dot-recipient",
    family: "spelling",
    mailFrom: "<spamtest@{target_domain}>",
    rcptTo: "<{tok}@{canary_domain}.>",
    recipientKind: "foreign",
    description:
      "Foreign recipient written with a trailing dot, which naive domain matching misses",
    testers: ["relaywatch"],
  },
  {
    id: "upper-case-recipient",
    family: "spelling",
    mailFrom: "<spamtest@{target_domain}>",
    rcptTo: "<{tok}@{CANARY_DOMAIN}>",
    recipientKind: "foreign",
    description: "Foreign recipient domain in upper case, which case-sensitive rules miss",
    testers: ["relaywatch"],
  },
  routingCase(
    "percent-at-host",
    "percent-hack",
    "<spamtest@{host}>",
    "<{tok}%{canary_domain}@{host}>",
    "Percent hack addressed to the host name",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "percent-at-ip",
    "percent-hack",
    "<spamtest@[{ip}]>",
    "<{tok}%{canary_domain}@[{ip}]>",
    "Percent hack addressed to the address literal",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "quoted-at",
    "quoted-local-part",
    "<spamtest@{target_domain}>",
    '<"{tok}@{canary_domain}">',
    "Whole foreign address quoted as a local part",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "quoted-percent",
    "percent-hack",
    "<spamtest@{target_domain}>",
    '<"{tok}%{canary_domain}">',
    "Quoted percent hack without a domain",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "percent-unqualified",
    "percent-hack",
    "<spamtest@{target_domain}>",
    "<{tok}%{canary_domain}>",
    "Percent hack without a domain",
    ["maps-rss"],
  ),
  routingCase(
    "double-at-host",
    "quoted-local-part",
    "<spamtest@{host}>",
    "<{tok}@{canary_domain}@{host}>",
    "Two at-signs, the last one the host name",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "quoted-at-host",
    "quoted-local-part",
    "<spamtest@{host}>",
    '<"{tok}@{canary_domain}"@{host}>',
    "Quoted foreign address at the host name",
    ["maps-rss"],
  ),
  routingCase(
    "quoted-whole-with-host",
    "quoted-local-part",
    "<spamtest@{host}>",
    '<"{tok}@{canary_domain}@{host}">',
    "Foreign address and host name quoted together",
    ["maps-rss"],
  ),
  routingCase(
    "quoted-at-ip",
    "quoted-local-part",
    "<spamtest@[{ip}]>",
    '<"{tok}@{canary_domain}"@[{ip}]>',
    "Quoted foreign address at the address literal",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "double-at-ip",
    "quoted-local-part",
    "<spamtest@[{ip}]>",
    "<{tok}@{canary_domain}@[{ip}]>",
    "Two at-signs, the last one the address literal",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "source-route-host",
    "source-route",
    "<spamtest@{host}>",
    "<@{host}:{tok}@{canary_domain}>",
    "RFC 821 source route through the host name",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "source-route-ip",
    "source-route",
    "<spamtest@[{ip}]>",
    "<@[{ip}]:{tok}@{canary_domain}>",
    "RFC 821 source route through the address literal",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "bang-path",
    "bang-path",
    "<spamtest@{target_domain}>",
    "<{canary_domain}!{tok}>",
    "UUCP bang path without a domain",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "bang-path-host",
    "bang-path",
    "<spamtest@{host}>",
    "<{canary_domain}!{tok}@{host}>",
    "UUCP bang path at the host name",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "bang-path-ip",
    "bang-path",
    "<spamtest@[{ip}]>",
    "<{canary_domain}!{tok}@[{ip}]>",
    "UUCP bang path at the address literal",
    ["nmap", "maps-rss"],
  ),
  routingCase(
    "trailing-at",
    "quoted-local-part",
    "<spamtest@{target_domain}>",
    "<{tok}@{canary_domain}@>",
    "Foreign address followed by an empty domain",
    ["maps-rss"],
  ),
];

export const RELAY_CASE_IDS: readonly string[] = RELAY_CASES.map((relayCase) => relayCase.id);

export function findCase(id: string): RelayCase | undefined {
  return RELAY_CASES.find((relayCase) => relayCase.id === id);
}

/**
 * Asked first, so a run cut short (a tarpit) has answered what matters most: a plainly foreign
 * sender, the bare sender of the AppleShare IP hole, and a sender spoofed in the target's domain.
 */
export const MOST_TELLING_CASE_IDS: readonly string[] = [
  "canary-sender",
  "bare-sender",
  "target-domain-sender",
];

/** The cases with the most telling ones first, the rest in catalogue order. */
export function inTellingOrder<T extends { id: string }>(cases: readonly T[]): T[] {
  const rank = (entry: T) => {
    const index = MOST_TELLING_CASE_IDS.indexOf(entry.id);
    return index === -1 ? MOST_TELLING_CASE_IDS.length : index;
  };
  return [...cases].sort((a, b) => rank(a) - rank(b));
}
