import { parseArgs } from "node:util";
import { GuardError, type HostInput, parseHostInput } from "../shared/guard/index.ts";
import { RELAY_CASE_IDS } from "../shared/probe/cases.ts";
import { DEFAULT_CANARY_DOMAIN } from "../shared/probe/defaults.ts";
import { isHostName } from "../shared/probe/names.ts";

/** The most canary messages one CLI run sends at the DATA step, over every address. */
export const MAX_DATA_MESSAGES = 3;

export const USAGE = `Usage: relaywatch check <domain> [options]
       relaywatch check <host> --host [options]
       relaywatch check <address> [options]

Tests whether the mail servers of <domain> relay mail for strangers, from this machine. A domain's
mail servers are found as a sender finds them: its MX records, or the domain itself when it has
none (implicit MX); a null MX means it takes no mail. Every address of every MX host is tested,
IPv4 and IPv6, a few at a time. With --host, or for an IP address, that one server is tested.

Options:
  --host                test the named mail server itself, without looking up MX records
  -4, -6                test only IPv4 or only IPv6 addresses
  --doh URL             resolve with DNS over HTTPS (JSON API, such as
                        https://cloudflare-dns.com/dns-query) instead of the system resolver
  --port N              SMTP port (default 25; 465 means implicit TLS)
  --domain D            the server's own mail domain, for the sender forms (default: the domain
                        checked, else from the host's name)
  --canary-domain D     domain that receives the test recipients (default ${DEFAULT_CANARY_DOMAIN})
  --cases a,b,c         run only these case ids (see --list-cases)
  --timeout S           give up on an address after S seconds (default 120)
  --implicit-tls        TLS from the first byte (default on port 465 only)
  --no-pipelining       one command at a time even when PIPELINING is offered
  --no-starttls         stay in plain text even when STARTTLS is offered
  --no-data             stop at RCPT: send no test message. By default accepted cases go on to
                        DATA with ONE LABELLED TEST MESSAGE each (at most ${MAX_DATA_MESSAGES} in all) to the
                        canary domain, and the server's answer to the message decides them (a
                        relay takes the message; some servers say 250 to RCPT and refuse it).
                        With --no-data the verdict rests on RCPT replies, and the report says so.
  --json                print the report as JSON, in the shape of GET /api/v1/checks/{id}
  --transcript          print the whole SMTP transcript, not only accepted cases
  --list-cases          list the relay cases and exit
  -h, --help            show this help

While a check runs, a terminal on stderr shows each address's progress and what it waits for.

Exit status, over every address tested: 0 closed, 1 open or suspect (any address), 2 inconclusive,
64 usage error, 68 unknown host (no such domain, no address, null MX, DNS failure).`;

export class UsageError extends Error {}

export interface CheckArgs {
  command: "check";
  /** What was typed, as the user wrote it (for messages). */
  input: string;
  /** A domain to follow MX for, or a named server or address to test directly. */
  target: { kind: "domain"; name: string } | { kind: "host"; host: HostInput };
  /** Only these address families; both when null. */
  family: 4 | 6 | null;
  /** DNS over HTTPS endpoint; the system resolver when null. */
  doh: string | null;
  port: number;
  domain: string | null;
  canaryDomain: string;
  caseIds: string[] | null;
  timeoutMs: number;
  implicitTls: boolean;
  pipelining: boolean;
  starttls: boolean;
  /** The DATA step: send the canary message through accepted cases (off with --no-data). */
  data: boolean;
  json: boolean;
  fullTranscript: boolean;
}

export type CliArgs = CheckArgs | { command: "help" } | { command: "list-cases" };

function positiveInteger(raw: string, flag: string, max: number): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} needs a whole number, got "${raw}"`);
  const value = Number.parseInt(raw, 10);
  if (value < 1 || value > max)
    throw new UsageError(`${flag} must be between 1 and ${max}, got ${raw}`);
  return value;
}

function domainName(raw: string, flag: string): string {
  if (!isHostName(raw))
    throw new UsageError(`${flag} needs a domain name such as example.org, got "${raw}"`);
  return raw.toLowerCase();
}

/** A name is a domain to follow MX for, unless --host; an address literal is always a host. */
function checkTarget(input: string, directHost: boolean): CheckArgs["target"] {
  let host: HostInput;
  try {
    host = parseHostInput(input);
  } catch (error) {
    if (error instanceof GuardError) throw new UsageError(error.message);
    throw error;
  }
  return host.kind === "name" && !directHost
    ? { kind: "domain", name: host.name }
    : { kind: "host", host };
}

function dohEndpoint(raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "") {
    throw new UsageError(
      `--doh needs the URL of a DNS-over-HTTPS JSON endpoint without a query, such as https://cloudflare-dns.com/dns-query, got "${raw}"`,
    );
  }
  return url.href;
}

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help" };
  if (values["list-cases"]) return { command: "list-cases" };
  const [command, input, ...extra] = positionals;
  if (command !== "check") {
    throw new UsageError(command ? `unknown command "${command}"` : "missing command: check");
  }
  if (!input) throw new UsageError("check needs a domain or a host: relaywatch check example.org");
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.ipv4 && values.ipv6) throw new UsageError("-4 and -6 exclude each other");
  const caseIds = values.cases ? values.cases.split(",").map((id) => id.trim()) : null;
  const unknown = caseIds?.filter((id) => !RELAY_CASE_IDS.includes(id)) ?? [];
  if (unknown.length > 0)
    throw new UsageError(`unknown case id: ${unknown.join(", ")} (see --list-cases)`);
  return {
    command: "check",
    input,
    target: checkTarget(input, values.host ?? false),
    family: values.ipv4 ? 4 : values.ipv6 ? 6 : null,
    doh: values.doh ? dohEndpoint(values.doh) : null,
    port: values.port ? positiveInteger(values.port, "--port", 65_535) : 25,
    domain: values.domain ? domainName(values.domain, "--domain") : null,
    canaryDomain: values["canary-domain"]
      ? domainName(values["canary-domain"], "--canary-domain")
      : DEFAULT_CANARY_DOMAIN,
    caseIds,
    timeoutMs: (values.timeout ? positiveInteger(values.timeout, "--timeout", 3600) : 120) * 1000,
    implicitTls: values["implicit-tls"] ?? false,
    pipelining: !values["no-pipelining"],
    starttls: !values["no-starttls"],
    data: !values["no-data"],
    json: values.json ?? false,
    fullTranscript: values.transcript ?? false,
  };
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      host: { type: "boolean" },
      ipv4: { type: "boolean", short: "4" },
      ipv6: { type: "boolean", short: "6" },
      doh: { type: "string" },
      port: { type: "string" },
      domain: { type: "string" },
      "canary-domain": { type: "string" },
      cases: { type: "string" },
      timeout: { type: "string" },
      "implicit-tls": { type: "boolean" },
      "no-pipelining": { type: "boolean" },
      "no-starttls": { type: "boolean" },
      "no-data": { type: "boolean" },
      json: { type: "boolean" },
      transcript: { type: "boolean" },
      "list-cases": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
