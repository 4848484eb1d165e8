/**
 * The engine against real MTAs from Debian on loopback: a securely configured Postfix must come
 * out closed with every case really refused, a Postfix misconfigured as an open relay must come
 * out open, and Exim with its default limits must answer every case. Under CI a missing MTA fails.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eximAvailable,
  type MtaInstance,
  postfixAvailable,
  startExim,
  startPostfix,
} from "../../lab/mta/index.ts";
import { type RunningSink, startSink } from "../../lab/sink.ts";
import { LAB_CANARY_DOMAIN } from "../../shared/probe/defaults.ts";
import { runProbe } from "../../shared/probe/runner.ts";
import type { ProbeResult } from "../../shared/schemas/probe-result.ts";
import { nodejsConnector } from "../../shared/smtp/nodejs-stream.ts";

const WORK_ROOT = fileURLToPath(new URL("../../lab-run/test-engine-mta/", import.meta.url));
const missing = [postfixAvailable() ? null : "postfix", eximAvailable() ? null : "exim"].filter(
  Boolean,
);
const skip = missing.length > 0 && !process.env.CI;
if (skip)
  console.warn(
    `engine-mta tests skipped: ${missing.join(", ")} missing; run scripts/install-system-deps.sh`,
  );

let sink: RunningSink;
const instances: MtaInstance[] = [];

async function probe(instance: MtaInstance): Promise<ProbeResult> {
  return runProbe(nodejsConnector, {
    target: { address: instance.host, port: instance.port },
    canaryDomain: LAB_CANARY_DOMAIN,
    timeBudgetMs: 60_000,
  });
}

describe.skipIf(skip)("the engine against real MTAs", () => {
  let postfixSecure: MtaInstance;
  let postfixOpen: MtaInstance;
  let eximSecure: MtaInstance;

  beforeAll(async () => {
    sink = await startSink({ acceptDomain: LAB_CANARY_DOMAIN });
    const common = { port: 0, relayHost: sink.host, relayPort: sink.port };
    postfixSecure = await startPostfix({
      ...common,
      name: "secure",
      mode: "secure",
      workDir: `${WORK_ROOT}pf-secure`,
    });
    instances.push(postfixSecure);
    postfixOpen = await startPostfix({
      ...common,
      name: "open",
      mode: "open",
      workDir: `${WORK_ROOT}pf-open`,
    });
    instances.push(postfixOpen);
    eximSecure = await startExim({
      ...common,
      name: "secure",
      mode: "secure",
      workDir: `${WORK_ROOT}exim-secure`,
    });
    instances.push(eximSecure);
  });

  afterAll(async () => {
    await Promise.allSettled(instances.map((instance) => instance.close()));
    await sink?.close();
  });

  it("calls a securely configured Postfix closed, with every case refused by Postfix itself", async () => {
    const result = await probe(postfixSecure);
    expect(result.verdict).toBe("closed");
    expect(result.cases.map((c) => c.outcome)).toEqual(result.cases.map(() => "refused"));
    // Postfix's own refusals, not timeouts or our misreading: relay denied or unknown user.
    for (const c of result.cases) expect([550, 553, 554, 501]).toContain(c.reply?.code);
    expect(
      result.cases.filter((c) => /Relay access denied/.test(c.reply?.text ?? "")).length,
    ).toBeGreaterThan(10);
    expect(result.names.host).toBe(postfixSecure.hostname);
    // Spread over several connections so that smtpd_soft_error_limit never slowed us down.
    expect(result.connections.length).toBeGreaterThan(1);
    expect(result.transcript.some((e) => e.line.includes("too many errors"))).toBe(false);
  });

  it("calls an open Postfix open, naming the plainly foreign cases it accepted", async () => {
    const result = await probe(postfixOpen);
    expect(result.verdict).toBe("open");
    const foreign = result.cases.filter(
      (c) => c.recipientKind === "foreign" && c.outcome === "accepted",
    );
    expect(foreign.map((c) => c.id)).toEqual(
      expect.arrayContaining(["canary-sender", "bare-sender"]),
    );
  });

  it("gets a real answer to every case from Exim with its default limits", async () => {
    const result = await probe(eximSecure);
    expect(result.verdict).toBe("closed");
    expect(result.cases.every((c) => c.outcome === "refused" && c.reply !== null)).toBe(true);
    expect(result.transcript.some((e) => /Too many (nonmail|unrecognized)/i.test(e.line))).toBe(
      false,
    );
  });
});
