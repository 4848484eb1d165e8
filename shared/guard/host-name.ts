/** Validation of DNS host names as a user types them (RFC 1035, RFC 1123, RFC 5890). */
import { shown } from "./display.ts";
import { GuardError } from "./errors.ts";

const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const LDH_CHARACTER = /[a-z0-9-]/i;
/** Every top-level domain starts with a letter (RFC 3696 §2), so "1.2.3.4a" is no name. */
const STARTS_WITH_LETTER = /^[a-z]/;

/**
 * Special-use domains that only ever name this machine or its local network (RFC 6761, 6762,
 * 8375, and ICANN's .internal): a user typing one means a host Relaywatch will not test, and
 * saying so beats a later "resolves to a private address". The testing names of RFC 2606
 * (.test, .example, .invalid) stay accepted: they fail to resolve on the public Internet, and
 * lab setups with their own resolver rely on them.
 */
const LOCAL_ONLY_DOMAINS = ["localhost", "local", "internal", "home.arpa"];

/**
 * Checks an ASCII host name with no trailing dot and returns it in lower case.
 * Throws `invalid_host` with the first problem found.
 */
export function validateHostName(name: string): string {
  const lowerCaseName = name.toLowerCase();
  if (lowerCaseName.length > MAX_NAME_LENGTH) {
    throw invalidHost(
      `${shown(name)} is ${name.length} characters long; a host name has at most ${MAX_NAME_LENGTH}`,
    );
  }
  const labels = lowerCaseName.split(".");
  for (const label of labels) checkLabel(name, label);
  if (lowerCaseName === "localhost" || lowerCaseName.endsWith(".localhost")) {
    throw invalidHost(
      `${shown(name)} always means this machine itself; Relaywatch only tests public mail servers`,
    );
  }
  if (labels.length < 2) {
    throw invalidHost(
      `${shown(name)} is not a full host name; enter one with a domain, such as mail.example.org`,
    );
  }
  const topLevelDomain = labels.at(-1) ?? "";
  if (!STARTS_WITH_LETTER.test(topLevelDomain)) {
    throw invalidHost(
      `${shown(name)} ends in "${shown(topLevelDomain)}"; the last part of a host name (its ` +
        "top-level domain) starts with a letter",
    );
  }
  const localDomain = LOCAL_ONLY_DOMAINS.find(
    (domain) => lowerCaseName === domain || lowerCaseName.endsWith(`.${domain}`),
  );
  if (localDomain !== undefined) {
    throw invalidHost(
      `${shown(name)} is under .${localDomain}, which only names hosts on a local network; ` +
        "Relaywatch only tests public mail servers",
    );
  }
  return lowerCaseName;
}

function checkLabel(name: string, label: string): void {
  if (label.length === 0) {
    throw invalidHost(`${shown(name)} has an empty part between dots`);
  }
  if (label.length > MAX_LABEL_LENGTH) {
    throw invalidHost(
      `${shown(name)} has a part of ${label.length} characters; each part between dots has at ` +
        `most ${MAX_LABEL_LENGTH}`,
    );
  }
  const badCharacter = Array.from(label).find((character) => !LDH_CHARACTER.test(character));
  if (badCharacter !== undefined) {
    throw invalidHost(
      `${shown(name)} contains "${shown(badCharacter)}"; host names may only contain letters, ` +
        "digits, hyphens and dots",
    );
  }
  if (label.startsWith("-") || label.endsWith("-")) {
    throw invalidHost(`${shown(name)} has a part that starts or ends with a hyphen`);
  }
}

function invalidHost(message: string): GuardError {
  return new GuardError("invalid_host", message);
}
