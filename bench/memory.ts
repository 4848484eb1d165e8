import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type RunningSim, startSim } from "../lab/sim/index.ts";
import type { MemoryReport } from "./memory-sessions.ts";
import { formatMiB } from "./table.ts";

/** The brief's bar: every session of one process together under this much heap. */
const HEAP_TARGET_BYTES = 100 * 1024 * 1024;
/** Sim servers refuse connections past 64 (MAX_CONNECTIONS in lab/sim/smtp-server.ts). */
const SESSIONS_PER_SERVER = 50;
const CHILD_TIMEOUT_MS = 120_000;

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHILD_SCRIPT = fileURLToPath(new URL("memory-sessions.ts", import.meta.url));

/**
 * Holds `sessions` SmtpSessions open at once and reports the heap they cost. The servers run
 * here, the sessions in a child node process, so the heap measured is the client's alone.
 */
export async function measureMemory(sessions: number): Promise<string> {
  const serverCount = Math.ceil(sessions / SESSIONS_PER_SERVER);
  const perPort = Math.ceil(sessions / serverCount);
  const sims: RunningSim[] = [];
  let report: MemoryReport;
  try {
    for (let index = 0; index < serverCount; index += 1) {
      sims.push(await startSim("secure-pipelining"));
    }
    report = await runChild({ ports: sims.map((sim) => sim.port), perPort });
  } finally {
    await Promise.allSettled(sims.map((sim) => sim.close()));
  }
  const delta = (bytes: number) => bytes - report.heapBefore;
  const perSession = (bytes: number) => `${(delta(bytes) / report.sessions / 1024).toFixed(1)} KiB`;
  const met = report.heapPeak < HEAP_TARGET_BYTES && report.openAtPeak === report.sessions;
  return [
    `Memory: ${report.sessions} SmtpSessions held open at once (connect, EHLO, one pipelined`,
    `MAIL/RCPT, each with its own transcript), in a separate node --expose-gc process, against`,
    `${serverCount} "secure-pipelining" sims of ${perPort} sessions each (sims cap at 64); all open in ${Math.round(report.openMs)} ms.`,
    `  heapUsed before (after GC):            ${formatMiB(report.heapBefore)}`,
    `  heapUsed peak while all open:          ${formatMiB(report.heapPeak)} (delta ${formatMiB(delta(report.heapPeak))}, ${perSession(report.heapPeak)} per session)`,
    `  heapUsed after GC, all still open:     ${formatMiB(report.heapLive)} (delta ${formatMiB(delta(report.heapLive))}, ${perSession(report.heapLive)} per session)`,
    `  heapUsed after QUIT, released, GC:     ${formatMiB(report.heapAfterQuit)}`,
    `  rss before / peak:                     ${formatMiB(report.rssBefore)} / ${formatMiB(report.rssPeak)}`,
    `  open at the measurement point:         ${report.openAtPeak}/${report.sessions} (each answered NOOP after it)`,
    `Target "${report.sessions} concurrent sessions under ${formatMiB(HEAP_TARGET_BYTES)} heap": ${met ? "met" : "NOT MET"} (peak ${formatMiB(report.heapPeak)})`,
  ].join("\n");
}

function runChild(argument: { ports: number[]; perPort: number }): Promise<MemoryReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", CHILD_SCRIPT, JSON.stringify(argument)],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], timeout: CHILD_TIMEOUT_MS },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      const last = stdout.trim().split("\n").at(-1);
      if (code !== 0 || !last) {
        reject(new Error(`memory child exited with ${code}:\n${stderr}${stdout}`));
        return;
      }
      resolve(JSON.parse(last) as MemoryReport);
    });
  });
}
