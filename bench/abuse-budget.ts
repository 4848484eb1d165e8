/**
 * `npm run bench:budget`: what one probe run costs one server, counted by the server (see
 * test/lab/counting-server.ts), for the answers that make a tester work hardest, and what one
 * check can cost that server at most (every vantage that may probe one address, and the check's
 * cap of canary messages). README "Security model" quotes these numbers.
 */
import { CHECK_BUDGET } from "../shared/probe/budget.ts";
import { type CountingBehaviour, measureProbeRun } from "../test/lab/counting-server.ts";
import { formatTable } from "./table.ts";

const BEHAVIOURS: CountingBehaviour[] = ["refuse", "defer", "accept-all", "hang-up"];

const rows: string[][] = [];
for (const behaviour of BEHAVIOURS) {
  const run = await measureProbeRun(behaviour);
  rows.push([
    behaviour,
    String(run.connections),
    String(run.peakOpenConnections),
    String(run.commands),
    String(run.messages),
    String(run.connections * CHECK_BUDGET.maxVantagesPerAddress),
    String(run.commands * CHECK_BUDGET.maxVantagesPerAddress),
    String(Math.min(run.messages * CHECK_BUDGET.maxVantagesPerAddress, CHECK_BUDGET.maxMessages)),
  ]);
}
process.stdout.write(
  `${formatTable(
    [
      { header: "server answers" },
      { header: "conns/run", align: "right" },
      { header: "open at once", align: "right" },
      { header: "commands/run", align: "right" },
      { header: "messages/run", align: "right" },
      { header: `conns/check (x${CHECK_BUDGET.maxVantagesPerAddress})`, align: "right" },
      { header: "commands/check", align: "right" },
      { header: "messages/check", align: "right" },
    ],
    rows,
  )}\n`,
);
