/** The SMTP ports whose meaning is fixed by the RFCs, named once for every part that defaults to them. */

/** SMTP between servers (RFC 5321): where an open relay is found, and every check's default. */
export const SMTP_PORT = 25;

/** Message submission over TLS from the first byte (RFC 8314, "submissions"). */
export const IMPLICIT_TLS_PORT = 465;

/**
 * Whether a connection starts with a TLS handshake: as asked when the caller says, else only on
 * port 465, where RFC 8314 makes it the rule (every other port speaks plain text until STARTTLS).
 */
export function usesImplicitTls(port: number, asked?: boolean | null): boolean {
  return asked ?? port === IMPLICIT_TLS_PORT;
}
