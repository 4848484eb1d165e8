/**
 * Why the guard refused a target:
 * - `invalid_address`: the text is meant as an IP address but is not a valid one.
 * - `forbidden_address`: a valid address outside ordinary public unicast (loopback, private...).
 * - `port_not_allowed`: not a port number, or a port Relaywatch does not test.
 * - `invalid_host`: what the user typed is neither a usable host name nor an address.
 */
export type GuardCode =
  | "invalid_address"
  | "forbidden_address"
  | "port_not_allowed"
  | "invalid_host";

/**
 * A refused target. The message is written for the person who asked for the test, so an
 * HTTP layer can return it as is (every refusal is the requester's mistake: a 400).
 */
export class GuardError extends Error {
  constructor(
    readonly code: GuardCode,
    message: string,
  ) {
    super(message);
    this.name = "GuardError";
  }
}
