import type { Reply } from "../smtp/types.ts";

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;

export function isHostName(value: string): boolean {
  return HOST_NAME.test(value);
}

/** The first word of a banner or EHLO greeting, when it is a host name (RFC 5321 §4.2). */
export function greetingHostName(reply: Reply | null): string | null {
  const first = reply?.lines[0]?.trim().split(/\s+/)[0] ?? "";
  return isHostName(first) ? first.toLowerCase() : null;
}

/**
 * The server's own name for `{host}`: what it calls itself in the banner, else in EHLO,
 * else the name we were given; the address literal when nothing names it.
 */
export function ownHostName(
  banner: Reply | null,
  ehlo: Reply | null,
  givenName: string | null,
  addressLiteral: string,
): string {
  return (
    greetingHostName(banner) ??
    greetingHostName(ehlo) ??
    (givenName && isHostName(givenName) ? givenName.toLowerCase() : `[${addressLiteral}]`)
  );
}

/** A mail domain guessed from a host name: `mx1.example.org` -> `example.org`. */
export function domainOfHost(host: string): string {
  if (!isHostName(host)) return host;
  const labels = host.toLowerCase().split(".");
  return labels.length > 2 ? labels.slice(1).join(".") : labels.join(".");
}
