import { startLatencyProxy } from "../lab/latency-proxy.ts";
import { countWire, startCommandTap, type WireCounts } from "./command-tap.ts";
import { type NmapRun, runNmap } from "./nmap-run.ts";
import { type RelaywatchRun, runRelaywatch } from "./relaywatch-run.ts";
import { formatMs } from "./table.ts";

export interface SpeedTarget {
  name: string;
  port: number;
  implicitTls: boolean;
  /** The verdict a correct tester reaches, from the lab's table. */
  expected: string;
}

export interface TargetRuns {
  name: string;
  expected: string;
  relaywatch: { run: RelaywatchRun; wire: WireCounts }[];
  nmap: { run: NmapRun; wire: WireCounts }[];
}

/**
 * Times both tools against each target through the same latency proxy, alternating them run by
 * run so that a slow moment of the machine does not land on one tool only. The command tap
 * behind the proxy counts what each tool really sent and what the server answered.
 */
export async function measureSpeed(
  targets: readonly SpeedTarget[],
  options: { delayMs: number; runs: number; log: (line: string) => void },
): Promise<TargetRuns[]> {
  const measured: TargetRuns[] = [];
  for (const target of targets) {
    const tap = await startCommandTap({ host: "127.0.0.1", port: target.port });
    const proxy = await startLatencyProxy({ host: tap.host, port: tap.port }, options.delayMs);
    const runs: TargetRuns = {
      name: target.name,
      expected: target.expected,
      relaywatch: [],
      nmap: [],
    };
    try {
      for (let index = 1; index <= options.runs; index += 1) {
        tap.take();
        const relaywatch = await runRelaywatch(proxy.port, target.implicitTls);
        runs.relaywatch.push({ run: relaywatch, wire: countWire(tap.take()) });
        const nmap = await runNmap(proxy.port);
        runs.nmap.push({ run: nmap, wire: countWire(tap.take()) });
        options.log(
          `  ${target.name} run ${index}/${options.runs}: Relaywatch ${formatMs(relaywatch.wallMs)} ms, nmap ${formatMs(nmap.wallMs)} ms`,
        );
      }
    } finally {
      await proxy.close();
      await tap.close();
    }
    measured.push(runs);
  }
  return measured;
}
