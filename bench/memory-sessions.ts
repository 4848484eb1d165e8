/**
 * The client side of the memory measurement, run as its own node process (with --expose-gc) so
 * that its heap holds the sessions and nothing else: no lab servers, no earlier probe results.
 * Argument: JSON { ports: number[], perPort: number }. Prints one JSON line: MemoryReport.
 */

import { nodejsConnector } from "../shared/smtp/nodejs-stream.ts";
import { SmtpSession } from "../shared/smtp/session.ts";
import { Transcript } from "../shared/smtp/transcript.ts";
import { DEFAULT_LIMITS } from "../shared/smtp/types.ts";

export interface MemoryReport {
  sessions: number;
  /** Sessions still open at the measurement point that then answered NOOP. */
  openAtPeak: number;
  heapBefore: number;
  /** The highest heapUsed sampled from the first connect to the measurement point. */
  heapPeak: number;
  /** heapUsed after a full GC with every session still open: what they really retain. */
  heapLive: number;
  /** After every session quit and was let go, and a full GC: what closed sessions leave behind. */
  heapAfterQuit: number;
  rssBefore: number;
  rssPeak: number;
  openMs: number;
}

const SAMPLE_EVERY_MS = 2;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const collect = () => {
  // Twice: the first pass can leave objects that only the second finds unreachable.
  gc();
  gc();
};

const { ports, perPort } = JSON.parse(process.argv[2] ?? "{}") as {
  ports: number[];
  perPort: number;
};
const limits = { ...DEFAULT_LIMITS, deadline: Date.now() + 120_000 };

/** What one check's connection holds between EHLO and QUIT: its own transcript, one case done. */
async function openOne(port: number, index: number): Promise<SmtpSession> {
  const session = await SmtpSession.open(
    nodejsConnector,
    { address: "127.0.0.1", port, implicitTls: false },
    { limits, transcript: new Transcript(), conn: 1, heloName: "probe.canary.relaywatch.test" },
  );
  await session.ehlo();
  await session.pipeline([
    "MAIL FROM:<spamtest@canary.relaywatch.test>",
    `RCPT TO:<rw-mem-${index}@canary.relaywatch.test>`,
  ]);
  return session;
}

collect();
const heapBefore = process.memoryUsage().heapUsed;
const rssBefore = process.memoryUsage().rss;
let heapPeak = heapBefore;
let rssPeak = rssBefore;
const sample = () => {
  const usage = process.memoryUsage();
  heapPeak = Math.max(heapPeak, usage.heapUsed);
  rssPeak = Math.max(rssPeak, usage.rss);
};
const sampler = setInterval(sample, SAMPLE_EVERY_MS);

const started = performance.now();
const sessions = await Promise.all(
  ports.flatMap((port, portIndex) =>
    Array.from({ length: perPort }, (_, index) => openOne(port, portIndex * perPort + index)),
  ),
);
const openMs = performance.now() - started;
clearInterval(sampler);
sample();
collect();
const heapLive = process.memoryUsage().heapUsed;

// Proof that the sessions were open at the measurement point: each still answers.
const noops = await Promise.all(
  sessions.map((session) => session.command("NOOP").then((reply) => reply.code === 250)),
);
await Promise.all(sessions.map((session) => session.quit()));
const openAtPeak = noops.filter(Boolean).length;
const sessionCount = sessions.length;
// Dropped, so the last measurement shows whether closed sessions leave anything behind.
sessions.length = 0;
collect();

const report: MemoryReport = {
  sessions: sessionCount,
  openAtPeak,
  heapBefore,
  heapPeak,
  heapLive,
  heapAfterQuit: process.memoryUsage().heapUsed,
  rssBefore,
  rssPeak,
  openMs,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
