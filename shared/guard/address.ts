import type { IPv4 } from "ipaddr.js";
import { type Classification, classifyAddress } from "./classify.ts";
import { shown } from "./display.ts";
import { GuardError } from "./errors.ts";
import { type AddressLiteral, parseAddressLiteral } from "./literal.ts";
import { type GuardPolicy, loopbackAllowed } from "./policy.ts";

const PUBLIC_ONLY = "Relaywatch only tests public mail servers";

/**
 * Checks one address (resolved from DNS, or typed by a user) and returns the canonical text to
 * connect to: "0x7f.1" is judged as 127.0.0.1, and a public "::ffff:808:808" comes back as
 * "8.8.8.8". Connect to the returned text, never to the input. Throws GuardError.
 */
export function checkAddress(address: string, policy: GuardPolicy): string {
  const literal = parseAddressLiteral(address);
  const classification = classifyAddress(literal.address);
  if (
    classification.kind === "refused" ||
    (classification.kind === "loopback" && !loopbackAllowed(policy))
  ) {
    throw forbidden(`${describedInput(address, literal)} ${classification.explanation}`);
  }
  for (const reading of literal.otherReadings) {
    const otherRefusal = refusalUnder(policy, classifyAddress(reading));
    if (otherRefusal !== null) {
      throw forbidden(ambiguity(address, literal, reading, otherRefusal));
    }
  }
  return classification.connectTo;
}

/** Whether the address is loopback (directly or embedded), whatever the policy. */
export function isLoopbackAddress(address: string): boolean {
  try {
    return classifyAddress(parseAddressLiteral(address).address).kind === "loopback";
  } catch {
    return false;
  }
}

/** The explanation of why the policy refuses the address, or null when it is acceptable. */
function refusalUnder(policy: GuardPolicy, classification: Classification): string | null {
  switch (classification.kind) {
    case "public":
      return null;
    case "loopback":
      return loopbackAllowed(policy) ? null : classification.explanation;
    case "refused":
      return classification.explanation;
  }
}

/** "127.0.0.1", or "0177.0.0.1 means 127.0.0.1, which" for spellings a reader may not decode. */
function describedInput(input: string, literal: AddressLiteral): string {
  const canonical = literal.address.toString();
  const plainSpelling = literal.address.kind() === "ipv6" || literal.text === canonical;
  return plainSpelling ? shown(input) : `${shown(input)} means ${canonical}, which`;
}

function ambiguity(input: string, literal: AddressLiteral, other: IPv4, refusal: string): string {
  return (
    `${shown(input)} is ambiguous: most software reads it as ${literal.address.toString()} ` +
    `(a leading 0 means octal), some as ${other.toString()}, which ${refusal}`
  );
}

function forbidden(reason: string): GuardError {
  return new GuardError("forbidden_address", `${reason}; ${PUBLIC_ONLY}`);
}
