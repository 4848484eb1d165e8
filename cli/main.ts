import { RELAY_CASES } from "../shared/probe/cases.ts";
import type { ProbeResult } from "../shared/schemas/probe-result.ts";
import { type CheckArgs, MAX_DATA_MESSAGES, parseCliArgs, USAGE, UsageError } from "./args.ts";
import { cliCheckReport, overallVerdict } from "./check-report.ts";
import { progressFor } from "./progress.ts";
import { formatPlan, formatReport, formatSummary } from "./report.ts";
import { planTest, resolverFor, type TestPlan, UnknownHostError } from "./resolve.ts";
import { type AddressResult, addressTargets, testEveryAddress } from "./run.ts";

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
  const startedAt = new Date();
  let plan: TestPlan;
  try {
    plan = await planTest(args, resolverFor(args));
  } catch (error) {
    if (!(error instanceof UnknownHostError)) throw error;
    process.stderr.write(`relaywatch: ${error.message}\n`);
    return EX_NOHOST;
  }
  if (!args.json) process.stdout.write(`${formatPlan(plan, args.port)}\n\n`);
  if (args.data && !args.json) {
    process.stdout.write(
      `Accepted cases go on to DATA: one labelled test message each (at most ${MAX_DATA_MESSAGES} in all) to ${args.canaryDomain}; --no-data stops at RCPT.\n\n`,
    );
  }
  const progress = progressFor(
    process.stderr,
    !args.json,
    addressTargets(plan),
    args.caseIds?.length ?? RELAY_CASES.length,
  );
  let results: AddressResult[];
  try {
    results = await testEveryAddress(
      args,
      plan,
      (index) => progress.hooksFor(index),
      progress.done,
    );
  } finally {
    progress.finish();
  }
  const overall = overallVerdict(results);
  if (args.json) {
    const report = cliCheckReport(plan, args.port, results, overall, startedAt, args.timeoutMs);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const run of results) {
      process.stdout.write(`${formatReport(run.result, args.fullTranscript)}\n\n`);
    }
    process.stdout.write(`${formatSummary(plan, results, overall)}\n`);
  }
  return EXIT_BY_VERDICT[overall.verdict];
}
