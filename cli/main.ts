import { RELAY_CASES } from "../shared/probe/cases.ts";
import { runProbe } from "../shared/probe/runner.ts";
import type { ProbeResult } from "../shared/schemas/probe-result.ts";
import { nodeConnector } from "../shared/smtp/node-stream.ts";
import { type CheckArgs, MAX_DELIVERED_MESSAGES, parseCliArgs, USAGE, UsageError } from "./args.ts";
import { formatReport } from "./report.ts";
import { resolveHost, UnknownHostError } from "./resolve.ts";

const EXIT_BY_VERDICT: Record<ProbeResult["verdict"], number> = {
  closed: 0,
  open: 1,
  suspect: 1,
  inconclusive: 2,
};
const EX_USAGE = 64;
const EX_NOHOST = 68;

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseCliArgs>;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`relaywatch: ${error.message}\nRun "relaywatch --help" for usage.\n`);
    return EX_USAGE;
  }
  if (args.command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.command === "list-cases") {
    for (const c of RELAY_CASES) {
      process.stdout.write(
        `${c.id}\n  MAIL FROM:${c.mailFrom}  RCPT TO:${c.rcptTo}\n  ${c.description} [${c.testers.join(", ")}]\n`,
      );
    }
    return 0;
  }
  return check(args);
}

async function check(args: CheckArgs): Promise<number> {
  let addresses: string[];
  try {
    addresses = await resolveHost(args.host);
  } catch (error) {
    if (!(error instanceof UnknownHostError)) throw error;
    process.stderr.write(`relaywatch: ${error.message}\n`);
    return EX_NOHOST;
  }
  const [address] = addresses;
  if (!address) return EX_NOHOST;
  if (addresses.length > 1 && !args.json) {
    process.stderr.write(
      `${args.host} has ${addresses.length} addresses (${addresses.join(", ")}); testing ${address}. Name an address to test another.\n`,
    );
  }
  if (args.deliver && !args.json) {
    process.stderr.write(
      `--deliver: one test message per accepted case (at most ${MAX_DELIVERED_MESSAGES}) will be sent to ${args.canaryDomain}.\n`,
    );
  }
  const result = await runProbe(nodeConnector, {
    target: {
      address,
      port: args.port,
      hostName: args.host,
      implicitTls: args.implicitTls || args.port === 465,
    },
    canaryDomain: args.canaryDomain,
    targetDomain: args.domain,
    ...(args.caseIds ? { caseIds: args.caseIds } : {}),
    timeBudgetMs: args.timeoutMs,
    pipelining: args.pipelining,
    starttls: args.starttls,
    // Off unless asked: it sends real mail, one message per accepted case, to the canary domain.
    proof: args.deliver ? { reportUrl: null, maxMessages: MAX_DELIVERED_MESSAGES } : null,
  });
  process.stdout.write(
    args.json
      ? `${JSON.stringify(result, null, 2)}\n`
      : `${formatReport(result, args.fullTranscript)}\n`,
  );
  return EXIT_BY_VERDICT[result.verdict];
}
