/** The DNS record by which a domain's owner lists it (and names its badge's port). */

export const TOKEN_PREFIX = "relaywatch-verify=";

export function verificationName(domain: string): string {
  return `_relaywatch.${domain}`;
}

/**
 * The TXT value that proves control of the domain. It also carries the badge's port when that is
 * not 25: only the domain's owner can publish it, so nobody else can move the badge to a port.
 */
export function verificationValue(token: string, port = 25): string {
  return port === 25 ? `${TOKEN_PREFIX}${token}` : `${TOKEN_PREFIX}${token} port=${port}`;
}
