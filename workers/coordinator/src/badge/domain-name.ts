const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const MAX_LENGTH = 253;

/**
 * A domain name as badges and the public list key it: lower-case, no trailing dot, at least two
 * LDH labels (internationalised names in their `xn--` form). Null for anything else, so nothing
 * stranger than a host name is ever stored or put into a DNS query.
 */
export function parseDomainName(input: string): string | null {
  const name = input.trim().toLowerCase().replace(/\.$/, "");
  if (name.length === 0 || name.length > MAX_LENGTH) return null;
  const labels = name.split(".");
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  // An all-numeric top-level label would make an IPv4 address look like a domain.
  if (/^\d+$/.test(labels[labels.length - 1] ?? "")) return null;
  return name;
}
