/** DNS as the coordinator and the CLI need it: MX, address and TXT records, behind one interface. */

export interface MxRecord {
  preference: number;
  exchange: string;
}

export interface Resolver {
  /** MX records; `null` when the name does not exist (NXDOMAIN). */
  mx(name: string): Promise<MxRecord[] | null>;
  /** A and AAAA records together; empty when there are none. */
  addresses(name: string): Promise<string[]>;
  /** TXT records, one string per record (its character-strings joined); empty when none. */
  txt(name: string): Promise<string[]>;
}

/** PTR lookups, for the coordinator's own probe addresses (the CLI has no need of them). */
export interface ReverseResolver {
  /** The PTR names of a reverse DNS name (`4.3.2.1.in-addr.arpa`); empty when none. */
  ptr(reverseName: string): Promise<string[]>;
}

export class DnsError extends Error {
  constructor(
    readonly code: "dns_failure" | "no_such_domain" | "null_mx" | "no_mail_host",
    message: string,
  ) {
    super(message);
  }
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

/**
 * The character-strings of a TXT record's presentation form (`"a" "b\"c"` or a bare word),
 * joined into one string as SPF and verification tokens read them. Handles `\"`, `\\` and
 * `\DDD` escapes (RFC 1035 5.1).
 */
export function joinCharacterStrings(data: string): string {
  const parts: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of data.matchAll(pattern)) {
    const raw = match[1] ?? match[2] ?? "";
    parts.push(
      raw.replace(/\\(\d{3}|.)/g, (_, escaped: string) =>
        /^\d{3}$/.test(escaped) ? String.fromCharCode(Number(escaped)) : escaped,
      ),
    );
  }
  return parts.join("");
}
