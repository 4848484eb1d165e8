/** The lab's simulated servers: who they pretend to be and what a correct tester concludes. */

/** Every lab server listens here by default. */
export const LAB_HOST = "127.0.0.1";
/**
 * The only addresses a lab server may listen on: loopback, IPv4 and IPv6, and a few more IPv4
 * loopback addresses for the two-mx domain (2 MX hosts x 2 addresses on one port).
 */
export const LAB_HOSTS = [LAB_HOST, "::1", "127.0.0.2", "127.0.0.3", "127.0.0.4"] as const;
export type LabHost = (typeof LAB_HOSTS)[number];

export const DEFAULT_CANARY_DOMAIN = "canary.relaywatch.test";

export type SimBehaviour =
  | "open-relay"
  | "asip62"
  | "accept-then-bounce"
  | "catch-all-own-domain"
  | "percent-hack"
  | "bang-path"
  | "source-route"
  | "quoted-local-part"
  | "greylist"
  | "tarpit"
  | "stall"
  | "banner-421"
  | "banner-554"
  | "multiline-banner"
  | "pregreet"
  | "starttls-required"
  | "implicit-tls"
  | "error-limit"
  | "secure-pipelining"
  | "secure-no-pipelining"
  | "trusted-vantage"
  | "ipv6-trusted"
  | "tls-self-signed"
  | "tls-expired"
  | "tls-wrong-name"
  | "tls12-only"
  | "tls-secure"
  | "refuse-at-data"
  | "long-lines"
  | "sendmail-throttle"
  | "byte-tarpit"
  | "error-sleep"
  | "slow-refusals";

export interface SimSpec {
  behaviour: SimBehaviour;
  description: string;
  hostname: string;
  /** Own domain. */
  domain: string;
  localUsers: string[];
  /** What a correct tester should conclude from reply codes alone. */
  expectedVerdict: "open" | "suspect" | "closed" | "inconclusive";
}

const STANDARD_USERS = ["postmaster", "abuse", "alice"];

function spec(
  behaviour: SimBehaviour,
  name: string,
  expectedVerdict: SimSpec["expectedVerdict"],
  description: string,
  localUsers: string[] = STANDARD_USERS,
): SimSpec {
  const domain = `${name}.example`;
  return {
    behaviour,
    description,
    hostname: `mail.${domain}`,
    domain,
    localUsers,
    expectedVerdict,
  };
}

export const SIM_SPECS: Record<SimBehaviour, SimSpec> = {
  "open-relay": spec(
    "open-relay",
    "openrelay",
    "open",
    "Accepts any sender and recipient and relays every message to its destination.",
  ),
  asip62: spec(
    "asip62",
    "asip6x",
    "open",
    "AppleShare IP Mail Server 6.2: HELO only; refuses relaying for foreign senders, but a bare " +
      "sender is qualified with its own domain (www.) and then trusted, as is any sender claiming " +
      "to be a real local user, and the message is really relayed.",
    ["postmaster", "admin", "webmaster"],
  ),
  "accept-then-bounce": spec(
    "accept-then-bounce",
    "acceptall",
    "open",
    "Answers 250 to every recipient and message and delivers nothing: only delivery proof tells.",
  ),
  "catch-all-own-domain": spec(
    "catch-all-own-domain",
    "catchall",
    "suspect",
    "Files any local part at its own names, routing syntax included, in a local catch-all " +
      "mailbox; refuses plainly foreign recipients. Never relays.",
  ),
  "percent-hack": spec(
    "percent-hack",
    "percent",
    "suspect",
    "Refuses foreign recipients but honours user%foreign@own and user%foreign, relaying them.",
  ),
  "bang-path": spec(
    "bang-path",
    "bangpath",
    "suspect",
    "Refuses foreign recipients but honours foreign!user and foreign!user@own, relaying them.",
  ),
  "source-route": spec(
    "source-route",
    "sourceroute",
    "suspect",
    "Refuses foreign recipients but honours @own:user@foreign source routes, relaying them.",
  ),
  "quoted-local-part": spec(
    "quoted-local-part",
    "quoted",
    "suspect",
    'Refuses foreign recipients but honours "user@foreign", "user@foreign"@own and ' +
      '"user@foreign@own", relaying them.',
  ),
  greylist: spec(
    "greylist",
    "greylist",
    "closed",
    "Secure behind postgrey: the first attempt of each (client, sender, recipient) gets 450; " +
      "a retry after the delay gets the real answer.",
  ),
  tarpit: spec(
    "tarpit",
    "tarpit",
    "inconclusive",
    "Secure, but every reply is delayed (tarpitDelayMs, 1.5 s in the lab): the suite would take " +
      "about 25 s even over 6 connections, so a tester with a 20 s tarpit budget stops early " +
      "(inconclusive: tarpit, every answered case kept); a small delay is outlasted (closed).",
  ),
  stall: spec(
    "stall",
    "stall",
    "inconclusive",
    "Accepts the TCP connection and never says anything.",
  ),
  "banner-421": spec(
    "banner-421",
    "busy",
    "inconclusive",
    "Greets with 421 (service not available) and closes.",
  ),
  "banner-554": spec(
    "banner-554",
    "blocks",
    "inconclusive",
    "Greets with 554 (not accepting connections from your network) and answers every command " +
      "with 503 or 554 until QUIT.",
  ),
  "multiline-banner": spec(
    "multiline-banner",
    "multiline",
    "closed",
    "Secure; a three-line banner written in separate writes 100 ms apart.",
  ),
  pregreet: spec(
    "pregreet",
    "pregreet",
    "closed",
    "Secure behind a postscreen-like pregreet test: a client that talks before the last banner " +
      "line gets 521 and is dropped.",
  ),
  "starttls-required": spec(
    "starttls-required",
    "tlsonly",
    "open",
    "Answers MAIL/RCPT/DATA with 530 until STARTTLS; after TLS it is an open relay.",
  ),
  "implicit-tls": spec(
    "implicit-tls",
    "smtps",
    "open",
    "TLS from the first byte (port 465 style); an open relay inside.",
  ),
  "error-limit": spec(
    "error-limit",
    "strict",
    "closed",
    "Secure; hangs up with 421 after 5 error replies or 10 non-mail commands in one connection.",
  ),
  "secure-pipelining": spec(
    "secure-pipelining",
    "pipelining",
    "closed",
    "Secure Postfix-like server advertising PIPELINING.",
  ),
  "secure-no-pipelining": spec(
    "secure-no-pipelining",
    "nopipelining",
    "closed",
    "Secure, no PIPELINING: a command sent before the previous reply gets 503 improper pipelining.",
  ),
  "trusted-vantage": spec(
    "trusted-vantage",
    "trusted",
    "closed",
    "Trusts one network: an open relay for a client whose EHLO name starts with " +
      "probe-ap-northeast. (a vantage inside it), 554 Relay access denied for everyone else. " +
      "Open only from ap-northeast.",
  ),
  "ipv6-trusted": spec(
    "ipv6-trusted",
    "dockerproxy",
    "closed",
    "Behind Docker's userland proxy, where every IPv6 client looks local (a known mailcow and " +
      "docker-mailserver case): an open relay for clients connecting over IPv6, 554 Relay access " +
      "denied over IPv4. Closed on 127.0.0.1; open when also started on ::1.",
  ),
  // Certificates real servers present, which MTAs accept (they encrypt without verifying):
  // Node-hosted probe nodes test these; workerd and Cloudflare ones, which verify, cannot.
  "tls-self-signed": spec(
    "tls-self-signed",
    "selfsigned",
    "open",
    "STARTTLS required, self-signed certificate; an open relay inside.",
  ),
  "tls-expired": spec(
    "tls-expired",
    "expired",
    "open",
    "Implicit TLS, certificate expired in 2021; an open relay inside.",
  ),
  "tls-wrong-name": spec(
    "tls-wrong-name",
    "wrongname",
    "open",
    "STARTTLS required, certificate for mail.elsewhere.example only; an open relay inside.",
  ),
  "tls12-only": spec(
    "tls12-only",
    "tls12",
    "open",
    "Implicit TLS, TLS 1.2 at most; an open relay inside.",
  ),
  "tls-secure": spec(
    "tls-secure",
    "tlssecure",
    "closed",
    "STARTTLS required, self-signed certificate; secure inside.",
  ),
  "refuse-at-data": spec(
    "refuse-at-data",
    "refuseatdata",
    "closed",
    "Answers 250 to every RCPT, then refuses every message at the end of DATA (554 5.7.1): it " +
      "never relays. Testers that judge by the RCPT reply call it open.",
  ),
  "long-lines": spec(
    "long-lines",
    "longlines",
    "closed",
    "Secure; its banner, EHLO greeting and refusals carry 4-6 KB lines with HTML in them, far " +
      "beyond RFC 5321's 512 octets.",
  ),
  "sendmail-throttle": spec(
    "sendmail-throttle",
    "sendmail",
    "closed",
    "Secure, like Debian's sendmail: a 1 s pause before the greeting (554 for a client that " +
      "talks first), and a 1 s sleep before every refused RCPT after the third in a transaction.",
  ),
  "byte-tarpit": spec(
    "byte-tarpit",
    "bytetarpit",
    "inconclusive",
    "A byte tarpit: every reply, the banner included, trickles out one byte every 200 ms.",
  ),
  "error-sleep": spec(
    "error-sleep",
    "errorsleep",
    "closed",
    "Secure Postfix with a tightened smtpd_soft_error_limit of 3: after the third error reply " +
      "of a session, it sleeps 1 s (smtpd_error_sleep_time) before every further one.",
  ),
  "slow-refusals": spec(
    "slow-refusals",
    "slowrefusals",
    "closed",
    "Secure, and slow to refuse one network, as a server that tarpits refusals by client " +
      "reputation: every 4xx/5xx reply to the eu-west vantage (EHLO probe-eu-west.) comes 1.2 s " +
      "late, so the other vantages finish first and eu-west for seconds after (the report's " +
      "live progress), within the tarpit budget.",
  ),
};
