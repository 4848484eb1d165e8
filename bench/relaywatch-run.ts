import { MAX_DATA_MESSAGES } from "../cli/args.ts";
import { runProbe } from "../shared/probe/runner.ts";
import { nodejsConnector } from "../shared/smtp/nodejs-stream.ts";

export const CANARY_DOMAIN = "canary.relaywatch.test";

export interface RelaywatchRun {
  wallMs: number;
  /** Cases with a real answer: any outcome but "error". */
  answered: number;
  total: number;
  verdict: string;
  /** Whether the server advertised PIPELINING in its EHLO reply. */
  pipeliningOffered: boolean;
  connections: number;
}

/**
 * One full suite against 127.0.0.1:port, as the CLI runs it (the DATA step on, default time
 * and tarpit budgets), timed from the call to the result.
 */
export async function runRelaywatch(port: number, implicitTls = false): Promise<RelaywatchRun> {
  const started = performance.now();
  const result = await runProbe(nodejsConnector, {
    target: { address: "127.0.0.1", port, implicitTls },
    canaryDomain: CANARY_DOMAIN,
    proof: { reportUrl: null, maxMessages: MAX_DATA_MESSAGES },
  });
  const wallMs = performance.now() - started;
  return {
    wallMs,
    answered: result.cases.filter((entry) => entry.outcome !== "error").length,
    total: result.cases.length,
    verdict: result.verdict,
    pipeliningOffered: result.extensions.includes("PIPELINING"),
    connections: result.connections.length,
  };
}
