/** Reading what a user typed as "the host to test". */
import { shown } from "./display.ts";
import { GuardError } from "./errors.ts";
import { validateHostName } from "./host-name.ts";
import { isAddressLiteral, zoneIdRefusal } from "./literal.ts";
import { nonAsciiMessage } from "./non-ascii.ts";

export type HostInput = { kind: "name"; name: string } | { kind: "address"; address: string };

/** Far beyond any valid host, so the checks below never work on megabytes of input. */
const MAX_INPUT_LENGTH = 1024;

/** C0 and C1 controls and DEL: CR/LF in particular must never reach a log line or a command. */
const CONTROL_CHARACTER = /\p{Cc}/u;
const OUTSIDE_PRINTABLE_ASCII = /[^ -~]/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\/|\//i;
const BRACKETED = /^\[([^\]]*)\](.*)$/;
/** RFC 5321 §4.1.3 spells IPv6 address literals "[IPv6:...]". */
const SMTP_IPV6_TAG = /^ipv6:/i;
const PORT_SUFFIX = /^:\d+$/;
const HOST_AND_PORT = /^[^:]*:\d+$/;
/**
 * A last label that is a number makes the whole input an IPv4 literal, as in the WHATWG URL
 * host parser and inet_aton: "2130706433", "0x7f.1" and "127.1" are addresses, never names.
 */
const NUMERIC_LAST_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/i;

/**
 * Classifies user input as a host name to resolve or an address literal. A name comes back
 * validated and in lower case; an address comes back as typed, without brackets or a trailing
 * dot, and must still go through checkAddress, which judges it and gives the text to connect
 * to. A single trailing dot (the DNS root, as in "mail.example.org.") is accepted and removed.
 * Surrounding whitespace is refused, not trimmed: the guard judges exactly what it is given.
 * Throws GuardError (`invalid_host`, or `invalid_address` for a malformed literal).
 */
export function parseHostInput(input: string): HostInput {
  if (typeof input !== "string" || input.length === 0) {
    throw invalidHost("No host given; enter a mail server's name, such as mail.example.org");
  }
  if (input.length > MAX_INPUT_LENGTH) {
    throw invalidHost(`${shown(input)} is far too long to be a host name`);
  }
  rejectUnusualCharacters(input);
  rejectOtherNotations(input);
  if (input.startsWith("[")) return bracketedLiteral(input);
  if (input.includes(":")) return ipv6Literal(input);
  const host = input.endsWith(".") ? input.slice(0, -1) : input;
  if (host.length === 0 || host.endsWith(".")) {
    throw invalidHost(`${shown(input)} is not a host name: it ends with an empty part`);
  }
  if (NUMERIC_LAST_LABEL.test(host)) {
    if (!isAddressLiteral(host)) {
      throw invalidAddress(
        `${shown(input)} is not a valid IPv4 address, and a host name cannot end in a number`,
      );
    }
    return { kind: "address", address: host };
  }
  return { kind: "name", name: validateHostName(host) };
}

function rejectUnusualCharacters(input: string): void {
  const control = CONTROL_CHARACTER.exec(input)?.[0];
  if (control !== undefined) {
    throw invalidHost(
      `${shown(input)} contains a control character (${shown(control)}); enter only the host`,
    );
  }
  if (OUTSIDE_PRINTABLE_ASCII.test(input)) throw invalidHost(nonAsciiMessage(input));
  if (input.includes(" ")) {
    throw invalidHost(`"${shown(input)}" contains a space; enter only the host`);
  }
}

function rejectOtherNotations(input: string): void {
  if (URL_LIKE.test(input)) {
    throw invalidHost(
      `${shown(input)} looks like a URL; enter only the host, such as mail.example.org`,
    );
  }
  if (input.includes("@")) {
    throw invalidHost(
      `${shown(input)} looks like an email address; enter the mail server's host name ` +
        "(for a domain, the host its MX record names)",
    );
  }
  if (HOST_AND_PORT.test(input)) throw includesPort(input);
  if (input.includes(":") && input.includes("%")) throw zoneIdRefusal(input);
}

function bracketedLiteral(input: string): HostInput {
  const match = BRACKETED.exec(input);
  const inside = match?.[1];
  const after = match?.[2];
  if (inside === undefined || after === undefined) {
    throw invalidHost(`${shown(input)} has an unclosed "["`);
  }
  if (PORT_SUFFIX.test(after)) throw includesPort(input);
  if (after.length > 0) {
    throw invalidHost(`${shown(input)} has text after the closing "]"`);
  }
  const address = inside.replace(SMTP_IPV6_TAG, "");
  if (!isAddressLiteral(address)) {
    throw invalidAddress(
      `${shown(input)} is not a valid IP address; brackets are only for IP addresses`,
    );
  }
  return { kind: "address", address };
}

function ipv6Literal(input: string): HostInput {
  if (!isAddressLiteral(input)) {
    throw invalidAddress(`${shown(input)} is not a valid IPv6 address`);
  }
  return { kind: "address", address: input };
}

function includesPort(input: string): GuardError {
  return invalidHost(
    `${shown(input)} includes a port; enter only the host, the port is chosen separately`,
  );
}

function invalidHost(message: string): GuardError {
  return new GuardError("invalid_host", message);
}

function invalidAddress(message: string): GuardError {
  return new GuardError("invalid_address", message);
}
