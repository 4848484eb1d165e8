/**
 * `npm run bench`: Relaywatch against nmap's smtp-open-relay on the lab's real and simulated
 * servers behind a latency proxy, then the heap cost of many concurrent sessions. Prints
 * numbers and whether the targets were met; it never fails on them.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { type RunningLab, startLab } from "../lab/lab.ts";
import { measureMemory } from "./memory.ts";
import { nmapVersion } from "./nmap-run.ts";
import { runRelaywatch } from "./relaywatch-run.ts";
import { readSettings } from "./settings.ts";
import { measureSpeed, type SpeedTarget } from "./speed.ts";
import { formatSpeedReport } from "./speed-report.ts";

const log = (line = "") => process.stdout.write(`${line}\n`);

const settings = readSettings();
const startedAt = performance.now();
const cpus = os.cpus();
log(
  `Machine: node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), ` +
    `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, nmap ${await nmapVersion()}`,
);
log(
  `Settings: BENCH_DELAY_MS=${settings.delayMs} BENCH_RUNS=${settings.runs} BENCH_SESSIONS=${settings.sessions}`,
);

// The MTAs are daemons of their own: whatever happens, they are stopped and their files removed.
const workDir = await mkdtemp(join(os.tmpdir(), "relaywatch-bench-"));
// mkdtemp makes it private to us; Postfix's and Exim's own users must reach their files in it.
await chmod(workDir, 0o755);
let lab: RunningLab | null = null;
let cleaning: Promise<void> | null = null;
const cleanUp = () => {
  cleaning ??= (async () => {
    await lab?.close();
    lab = null;
    await rm(workDir, { recursive: true, force: true });
  })();
  return cleaning;
};
const interrupt = (signal: NodeJS.Signals) => {
  log(`\n${signal}: stopping the lab...`);
  void cleanUp().finally(() => process.exit(130));
};
process.once("SIGINT", interrupt);
process.once("SIGTERM", interrupt);

try {
  log("\nStarting the lab (real Postfix and Exim, simulated servers) on 127.0.0.1...");
  const running = await startLab({ basePort: 0, realMtas: true, workDir });
  lab = running;
  for (const hint of running.hints) log(`  hint: ${hint}`);
  // The whole lab, real servers first, every simulated one after: the sink is not a target.
  const targets: SpeedTarget[] = running.targets
    .filter((target) => target.kind !== "sink")
    .map(({ name, port, implicitTls, expected }) => ({ name, port, implicitTls, expected }));

  // The first probe of a process pays for loading and compiling the engine: not a measurement.
  const warmUp = targets.find((target) => target.name === "secure-pipelining") ?? targets[0];
  if (warmUp) await runRelaywatch(warmUp.port);

  log(`Measuring ${targets.length} targets, ${settings.runs} runs of each tool per target:`);
  const measured = await measureSpeed(targets, { ...settings, log });
  log();
  log(formatSpeedReport(measured, settings.delayMs));

  await running.close();
  lab = null;
  log();
  log(await measureMemory(settings.sessions));
} catch (error) {
  process.exitCode = 1;
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanUp();
}
log(`\nTotal bench time: ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
