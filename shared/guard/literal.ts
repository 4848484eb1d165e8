/** Turning address text into an address, in every spelling that some software accepts. */
import ipaddr, { type IPv4, type IPv6 } from "ipaddr.js";
import { shown } from "./display.ts";
import { GuardError } from "./errors.ts";

export interface AddressLiteral {
  /** The address as inet_aton / getaddrinfo read the text: what a socket would reach. */
  address: IPv4 | IPv6;
  /**
   * Other addresses the same text means to other parsers. "010.0.0.1" is 8.0.0.1 to inet_aton
   * (a leading 0 means octal) but 10.0.0.1 to parsers that ignore leading zeros (the
   * CVE-2021-28918 class of bug), so both readings must be acceptable.
   */
  otherReadings: IPv4[];
  /** The text without brackets, as given. */
  text: string;
}

/**
 * Longer than any sensible address ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45),
 * and short enough that no parser regex can be made to work hard.
 */
const MAX_LITERAL_LENGTH = 64;

const IPV6_CHARACTERS = /^[0-9a-f:.]+$/i;

/**
 * ipaddr.js reads the dotted tail of an IPv6 address with parseInt, which also takes "0x7f"
 * and "0177"; inet_pton takes plain decimal only, so that is all the guard takes.
 */
const IPV6_STRICT_DOTTED_TAIL =
  /:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** "::a.b.c.d", which ipaddr.js reads as IPv4-mapped though RFC 4291 makes it IPv4-compatible. */
const IPV4_COMPATIBLE_DOTTED = /^::\d+\.\d+\.\d+\.\d+$/;

const LEADING_ZERO_DECIMAL_PART = /^0+(?=\d)/;

/** Parses an address literal, optionally in [brackets]. Throws `invalid_address`. */
export function parseAddressLiteral(input: string): AddressLiteral {
  if (typeof input !== "string") throw invalidAddress("No address given");
  const text = input.startsWith("[") && input.endsWith("]") ? input.slice(1, -1) : input;
  if (text.length === 0) throw invalidAddress("No address given");
  if (text.length > MAX_LITERAL_LENGTH) {
    throw invalidAddress(`${shown(input)} is too long to be an IP address`);
  }
  if (text.includes("%")) throw zoneIdRefusal(input);
  if (text.includes(":")) {
    const address = parseIPv6(text);
    if (address === null) throw notAnAddress(input);
    return { address, otherReadings: [], text };
  }
  const address = parseIPv4(text);
  if (address === null) throw notAnAddress(input);
  return { address, otherReadings: decimalReading(text, address), text };
}

/** "fe80::1%eth0": the zone id names an interface of the machine that reads it. */
export function zoneIdRefusal(input: string): GuardError {
  return invalidAddress(
    `${shown(input)} carries a zone id (the part after "%"); zone ids name a local network ` +
      "interface, so Relaywatch does not accept them",
  );
}

/** Whether the text is an address literal parseAddressLiteral accepts. */
export function isAddressLiteral(text: string): boolean {
  try {
    parseAddressLiteral(text);
    return true;
  } catch {
    return false;
  }
}

function parseIPv6(text: string): IPv6 | null {
  if (!IPV6_CHARACTERS.test(text)) return null;
  if (text.includes(".") && !IPV6_STRICT_DOTTED_TAIL.test(text)) return null;
  if (!ipaddr.IPv6.isValid(text)) return null;
  const address = ipaddr.IPv6.parse(text);
  if (IPV4_COMPATIBLE_DOTTED.test(text)) {
    const [high, low] = address.parts.slice(-2);
    return new ipaddr.IPv6([0, 0, 0, 0, 0, 0, high ?? 0, low ?? 0]);
  }
  return address;
}

/** Dotted quads and the inet_aton forms: "2130706433", "0177.0.0.1", "0x7f.1", "127.1". */
function parseIPv4(text: string): IPv4 | null {
  return ipaddr.IPv4.isValid(text) ? ipaddr.IPv4.parse(text) : null;
}

function decimalReading(text: string, address: IPv4): IPv4[] {
  const decimalText = text
    .split(".")
    .map((part) => part.replace(LEADING_ZERO_DECIMAL_PART, ""))
    .join(".");
  if (decimalText === text) return [];
  const reading = parseIPv4(decimalText);
  if (reading === null || reading.toString() === address.toString()) return [];
  return [reading];
}

function notAnAddress(input: string): GuardError {
  return invalidAddress(`${shown(input)} is not a valid IPv4 or IPv6 address`);
}

function invalidAddress(message: string): GuardError {
  return new GuardError("invalid_address", message);
}
