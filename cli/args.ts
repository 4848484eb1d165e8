import { parseArgs } from "node:util";
import { RELAY_CASE_IDS } from "../shared/probe/cases.ts";
import { DEFAULT_CANARY_DOMAIN } from "../shared/probe/defaults.ts";
import { isHostName } from "../shared/probe/names.ts";

/** The most canary messages one CLI run sends with --deliver. */
export const MAX_DELIVERED_MESSAGES = 3;

export const USAGE = `Usage: relaywatch check <host> [options]

Tests whether the mail server at <host> relays mail for strangers, from this machine.

Options:
  --port N              SMTP port (default 25; 465 means implicit TLS)
  --domain D            the server's own mail domain, for the sender forms (default: from its name)
  --canary-domain D     domain that receives the test recipients (default ${DEFAULT_CANARY_DOMAIN})
  --cases a,b,c         run only these case ids (see --list-cases)
  --timeout S           give up after S seconds in all (default 120)
  --implicit-tls        TLS from the first byte (default on port 465 only)
  --no-pipelining       one command at a time even when PIPELINING is offered
  --no-starttls         stay in plain text even when STARTTLS is offered
  --deliver             delivery proof (off by default): after the suite, SEND ONE TEST MESSAGE
                        per accepted case (at most ${MAX_DELIVERED_MESSAGES}) through the server to the canary
                        domain; only arrival there proves relaying. Read the canary mailbox for it.
  --json                print the result as JSON
  --transcript          print the whole SMTP transcript, not only accepted cases
  --list-cases          list the relay cases and exit
  -h, --help            show this help

Exit status: 0 closed, 1 open or suspect, 2 inconclusive, 64 usage error, 68 unknown host.`;

export class UsageError extends Error {}

export interface CheckArgs {
  command: "check";
  host: string;
  port: number;
  domain: string | null;
  canaryDomain: string;
  caseIds: string[] | null;
  timeoutMs: number;
  implicitTls: boolean;
  pipelining: boolean;
  starttls: boolean;
  /** Send the canary message for accepted cases (delivery proof). */
  deliver: boolean;
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
  const [command, host, ...extra] = positionals;
  if (command !== "check") {
    throw new UsageError(command ? `unknown command "${command}"` : "missing command: check");
  }
  if (!host) throw new UsageError("check needs a host: relaywatch check mail.example.org");
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const caseIds = values.cases ? values.cases.split(",").map((id) => id.trim()) : null;
  const unknown = caseIds?.filter((id) => !RELAY_CASE_IDS.includes(id)) ?? [];
  if (unknown.length > 0)
    throw new UsageError(`unknown case id: ${unknown.join(", ")} (see --list-cases)`);
  return {
    command: "check",
    host,
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
    deliver: values.deliver ?? false,
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
      port: { type: "string" },
      domain: { type: "string" },
      "canary-domain": { type: "string" },
      cases: { type: "string" },
      timeout: { type: "string" },
      "implicit-tls": { type: "boolean" },
      "no-pipelining": { type: "boolean" },
      "no-starttls": { type: "boolean" },
      deliver: { type: "boolean" },
      json: { type: "boolean" },
      transcript: { type: "boolean" },
      "list-cases": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
