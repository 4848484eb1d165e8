/** DNS as the coordinator needs it: MX and address records, behind one interface. */

export interface MxRecord {
  preference: number;
  exchange: string;
}

export interface Resolver {
  /** MX records; `null` when the name does not exist (NXDOMAIN). */
  mx(name: string): Promise<MxRecord[] | null>;
  /** A and AAAA records together; empty when there are none. */
  addresses(name: string): Promise<string[]>;
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
