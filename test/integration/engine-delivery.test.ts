/**
 * Delivery proof against lab servers: canary messages go through the server under test to the
 * lab's canary MX (the sink), and only what arrives there counts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimBehaviour, startSim } from "../../lab/sim/index.ts";
import { type RunningSink, type SinkMessage, startSink } from "../../lab/sink.ts";
import { LAB_CANARY_DOMAIN } from "../../shared/probe/defaults.ts";
import type { ProofRequest } from "../../shared/probe/request.ts";
import { runProbe } from "../../shared/probe/runner.ts";
import type { ProbeResult } from "../../shared/schemas/probe-result.ts";
import { nodejsConnector } from "../../shared/smtp/nodejs-stream.ts";

const REPORT_URL = "https://relaywatch.test/report/check-42";
/** Long enough for a lab server's onward delivery; a message not there by then is not coming. */
const ARRIVAL_WAIT_MS = 10_000;
const ABSENCE_WAIT_MS = 1_000;
/** After the expected messages arrived: time for an unexpected extra one to show up. */
const EXTRA_WAIT_MS = 300;

let sink: RunningSink;

beforeAll(async () => {
  sink = await startSink({ acceptDomain: LAB_CANARY_DOMAIN });
});
afterAll(async () => {
  await sink.close();
});

interface DeliveryRun {
  result: ProbeResult;
  /** Messages of this run (by its token nonce) that reached the sink. */
  arrived: SinkMessage[];
}

/**
 * Probes a lab server and keeps it running until `expectedArrivals` messages of this run reached
 * the sink (or a short wait when none are expected), since closing it abandons onward delivery.
 */
async function probeAndCollect(
  behaviour: SimBehaviour,
  proof: ProofRequest | null,
  expectedArrivals: number,
): Promise<DeliveryRun> {
  const sim = await startSim(behaviour, {
    relayTo: { host: sink.host, port: sink.port },
    canaryDomain: LAB_CANARY_DOMAIN,
  });
  try {
    const result = await runProbe(nodejsConnector, {
      canaryDomain: LAB_CANARY_DOMAIN,
      timeBudgetMs: 30_000,
      target: { address: "127.0.0.1", port: sim.port },
      proof,
    });
    const prefix = runTokenPrefix(result);
    const ofThisRun = () =>
      sink.messages.filter((message) => tokenOf(message)?.startsWith(prefix) ?? false);
    const waitUntil = Date.now() + (expectedArrivals > 0 ? ARRIVAL_WAIT_MS : ABSENCE_WAIT_MS);
    while (
      Date.now() < waitUntil &&
      (expectedArrivals === 0 || ofThisRun().length < expectedArrivals)
    )
      await sleep(50);
    if (expectedArrivals > 0) await sleep(EXTRA_WAIT_MS);
    return { result, arrived: ofThisRun() };
  } finally {
    await sim.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every token of a run is `rw-<nonce>-<index>`: the nonce tells this run's messages apart. */
function runTokenPrefix(result: ProbeResult): string {
  const token = result.cases[0]?.token ?? "";
  return token.slice(0, token.lastIndexOf("-") + 1);
}

function tokenOf(message: SinkMessage): string | null {
  return /^X-Relaywatch-Token: (\S+)\r?$/m.exec(message.data)?.[1] ?? null;
}

const dataCommands = (result: ProbeResult) =>
  result.transcript.filter((entry) => entry.dir === "client" && entry.line === "DATA");
const withData = (result: ProbeResult) => result.cases.filter((c) => c.data !== null);

describe("delivery proof", () => {
  it("sends exactly maxMessages messages through an open relay, each arriving with its token", async () => {
    const { result, arrived } = await probeAndCollect(
      "open-relay",
      { reportUrl: REPORT_URL, maxMessages: 3 },
      3,
    );
    expect(result.verdict).toBe("open");
    const proved = withData(result);
    expect(proved).toHaveLength(3);
    expect(dataCommands(result)).toHaveLength(3);
    for (const c of proved) {
      expect(c.outcome).toBe("accepted");
      expect(c.recipientKind).toBe("foreign");
      expect(c.data?.code).toBe(250);
    }
    expect(arrived).toHaveLength(3);
    expect(new Set(arrived.map(tokenOf))).toEqual(new Set(proved.map((c) => c.token)));
    for (const message of arrived) {
      const token = tokenOf(message) ?? "";
      expect(message.rcptTo.join(" ")).toContain(token);
      expect(message.data).toContain(`Message-ID: <${token}@${LAB_CANARY_DOMAIN}>`);
      expect(message.data).toContain(REPORT_URL);
    }
    expect(result.transcript.some((e) => /^\[message body: \d+ bytes\]$/.test(e.line))).toBe(true);
  });

  it("respects a cap of one", async () => {
    const { result, arrived } = await probeAndCollect(
      "open-relay",
      { reportUrl: null, maxMessages: 1 },
      1,
    );
    expect(withData(result)).toHaveLength(1);
    expect(dataCommands(result)).toHaveLength(1);
    expect(arrived).toHaveLength(1);
  });

  it("sends nothing without a proof request", async () => {
    const { result, arrived } = await probeAndCollect("open-relay", null, 0);
    expect(result.verdict).toBe("open");
    expect(dataCommands(result)).toHaveLength(0);
    expect(withData(result)).toHaveLength(0);
    expect(arrived).toHaveLength(0);
  });

  it("uses the case's own sender: AppleShare IP relays the bare <spamtest> message", async () => {
    const { result, arrived } = await probeAndCollect(
      "asip62",
      { reportUrl: REPORT_URL, maxMessages: 10 },
      2,
    );
    const bare = result.cases.find((c) => c.id === "bare-sender");
    expect(bare).toMatchObject({ outcome: "accepted", data: { code: 250 } });
    const bareMessage = arrived.find((message) => tokenOf(message) === bare?.token);
    expect(bareMessage?.data).toContain("X-Relaywatch-Case: bare-sender");
    const bareMailCommands = result.transcript.filter(
      (e) => e.dir === "client" && e.line === "MAIL FROM:<spamtest>",
    );
    expect(bareMailCommands).toHaveLength(2);
    // Only accepted cases were sent, and the refused foreign sender still reads refused.
    expect(withData(result).every((c) => c.outcome === "accepted")).toBe(true);
    expect(result.cases.find((c) => c.id === "canary-sender")).toMatchObject({
      outcome: "refused",
      data: null,
    });
  });

  it("records a 250 to DATA that proves nothing when the server discards the mail", async () => {
    const { result, arrived } = await probeAndCollect(
      "accept-then-bounce",
      { reportUrl: REPORT_URL, maxMessages: 3 },
      0,
    );
    const proved = withData(result);
    expect(proved).toHaveLength(3);
    expect(proved.every((c) => c.data?.code === 250)).toBe(true);
    expect(arrived).toHaveLength(0);
  });

  it("sends no DATA at all when no case was accepted", async () => {
    const { result, arrived } = await probeAndCollect(
      "secure-pipelining",
      { reportUrl: REPORT_URL, maxMessages: 3 },
      0,
    );
    expect(result.verdict).toBe("closed");
    expect(dataCommands(result)).toHaveLength(0);
    expect(withData(result)).toHaveLength(0);
    expect(arrived).toHaveLength(0);
  });
});
