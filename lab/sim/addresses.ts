/**
 * How the lab servers read envelope addresses, including the old routing syntaxes
 * (percent hack, bang paths, source routes, quoted local parts) that relay tests probe.
 */

export interface CommandPath {
  /** What stood between the angle brackets; "" for the null path `<>`. */
  path: string;
  /** ESMTP parameters after the path, such as `SIZE=1000`. */
  parameters: string[];
}

/**
 * Splits the argument of MAIL (`FROM:<a@b> SIZE=10`) or RCPT (`TO:<a@b>`) into the path and its
 * parameters; null when the keyword or the brackets are malformed. Like Postfix without
 * strict_rfc821_envelopes it tolerates a space after the colon and a path without brackets.
 */
export function parsePathArgument(argument: string, keyword: "FROM" | "TO"): CommandPath | null {
  const prefix = `${keyword}:`;
  if (!argument.toUpperCase().startsWith(prefix)) return null;
  const rest = argument.slice(prefix.length).trimStart();
  if (rest.startsWith("<")) {
    const end = closingBracketIndex(rest);
    if (end === -1) return null;
    return { path: rest.slice(1, end), parameters: words(rest.slice(end + 1)) };
  }
  const [path, ...parameters] = words(rest);
  return path === undefined ? null : { path, parameters };
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== "");
}

/** Index of the `>` that closes the path, skipping any inside a quoted local part. */
function closingBracketIndex(text: string): number {
  let quoted = false;
  for (let index = 1; index < text.length; index++) {
    const char = text[index];
    if (quoted && char === "\\") index++;
    else if (char === '"') quoted = !quoted;
    else if (char === ">" && !quoted) return index;
  }
  return -1;
}

export interface Mailbox {
  localPart: string;
  /** Lower case; null for an unqualified address such as `postmaster`. */
  domain: string | null;
}

export function formatMailbox(mailbox: Mailbox): string {
  return mailbox.domain === null ? mailbox.localPart : `${mailbox.localPart}@${mailbox.domain}`;
}

/** The routing syntax an address uses to point past the server it is written to. */
export type RoutingTrick =
  | "none"
  /** `user%elsewhere@here`, `user%elsewhere` */
  | "percent"
  /** `elsewhere!user@here`, `elsewhere!user` */
  | "bang"
  /** `@here:user@elsewhere` */
  | "source-route"
  /** `"user@elsewhere"@here`, `"user@elsewhere"`, `"user@elsewhere@here"` */
  | "quoted-at"
  /** `user@elsewhere@here`, `user@elsewhere@` */
  | "double-at";

export interface AddressAnalysis {
  /** The domain the address is written to (a source route's first hop); null if unqualified. */
  outerDomain: string | null;
  trick: RoutingTrick;
  quoted: boolean;
  /** Where the address leads for a server that honours the trick. */
  destination: Mailbox;
}

/**
 * Reads an address the way a permissive old MTA would. `isOwnDomain` lets trailing hops that
 * name the server itself be dropped (`"user@elsewhere@here"` leads to user@elsewhere).
 */
export function analyseAddress(
  path: string,
  isOwnDomain: (domain: string) => boolean,
): AddressAnalysis {
  if (path.startsWith("@")) {
    const colon = path.indexOf(":");
    const hops = (colon === -1 ? path : path.slice(0, colon))
      .split(",")
      .map((hop) => hop.trim().replace(/^@/, "").toLowerCase());
    const mailbox = splitMailbox(colon === -1 ? "" : path.slice(colon + 1));
    return {
      outerDomain: hops[0] || null,
      trick: "source-route",
      quoted: mailbox.quoted,
      destination: { localPart: mailbox.localPart, domain: mailbox.domain },
    };
  }
  const written = splitMailbox(path);
  return {
    outerDomain: written.domain,
    quoted: written.quoted,
    ...followLocalPartRouting(written, isOwnDomain),
  };
}

function splitMailbox(text: string): Mailbox & { quoted: boolean } {
  if (text.startsWith('"')) {
    const close = closingQuoteIndex(text);
    if (close !== -1) {
      const rest = text.slice(close + 1);
      return {
        localPart: text.slice(1, close).replace(/\\(.)/g, "$1"),
        domain: rest.startsWith("@") && rest.length > 1 ? rest.slice(1).toLowerCase() : null,
        quoted: true,
      };
    }
  }
  const at = text.lastIndexOf("@");
  if (at === -1) return { localPart: text, domain: null, quoted: false };
  // `user@elsewhere@` has an empty domain: read as unqualified, like the MTAs that strip it.
  const domain = text.slice(at + 1).toLowerCase();
  return { localPart: text.slice(0, at), domain: domain === "" ? null : domain, quoted: false };
}

function closingQuoteIndex(text: string): number {
  for (let index = 1; index < text.length; index++) {
    const char = text[index];
    if (char === "\\") index++;
    else if (char === '"') return index;
  }
  return -1;
}

function followLocalPartRouting(
  mailbox: Mailbox & { quoted: boolean },
  isOwnDomain: (domain: string) => boolean,
): { trick: RoutingTrick; destination: Mailbox } {
  const local = mailbox.localPart;
  if (local.includes("@")) {
    const parts = local.split("@");
    while (parts.length > 2 && isOwnDomain((parts.at(-1) ?? "").toLowerCase())) parts.pop();
    const domain = (parts.pop() ?? "").toLowerCase();
    return {
      trick: mailbox.quoted ? "quoted-at" : "double-at",
      destination: { localPart: parts.join("@"), domain: domain || null },
    };
  }
  // Sendmail's percent hack turns the rightmost % into the @.
  const percent = local.lastIndexOf("%");
  if (percent !== -1) {
    const domain = local.slice(percent + 1).toLowerCase();
    return {
      trick: "percent",
      destination: { localPart: local.slice(0, percent), domain: domain || null },
    };
  }
  // A UUCP bang path names the next host first.
  const bang = local.indexOf("!");
  if (bang !== -1) {
    const domain = local.slice(0, bang).toLowerCase();
    return {
      trick: "bang",
      destination: { localPart: local.slice(bang + 1), domain: domain || null },
    };
  }
  return { trick: "none", destination: { localPart: local, domain: mailbox.domain } };
}

/** Whether `domain` is `parent` or one of its subdomains. */
export function isWithinDomain(domain: string, parent: string): boolean {
  const normalised = domain.toLowerCase();
  const normalisedParent = parent.toLowerCase();
  return normalised === normalisedParent || normalised.endsWith(`.${normalisedParent}`);
}
