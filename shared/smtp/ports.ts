/** The SMTP ports Relaywatch knows by number, named once for every part that defaults to them. */

/** SMTP between servers (RFC 5321): where an open relay is found, and every check's default. */
export const SMTP_PORT = 25;

/** Message submission over TLS from the first byte (RFC 8314, "submissions"). */
export const IMPLICIT_TLS_PORT = 465;

/** Message submission (RFC 6409): plain text until STARTTLS. */
export const SUBMISSION_PORT = 587;

/**
 * The ports Relaywatch tests unless configured otherwise: the guard's default for every target,
 * and a Node.js probe node's reach when NODE_ALLOWED_PORTS is unset. 2525 is no RFC's, but the
 * alternative providers open where port 25 is blocked.
 */
export const DEFAULT_ALLOWED_PORTS: readonly number[] = Object.freeze([
  SMTP_PORT,
  IMPLICIT_TLS_PORT,
  SUBMISSION_PORT,
  2525,
]);

/**
 * Whether a connection starts with a TLS handshake: as asked when the caller says, else only on
 * port 465, where RFC 8314 makes it the rule (every other port speaks plain text until STARTTLS).
 */
export function usesImplicitTls(port: number, asked?: boolean | null): boolean {
  return asked ?? port === IMPLICIT_TLS_PORT;
}
