import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimBehaviour, type SimOptions, startSim } from "../../lab/sim/index.ts";
import { type RunningSink, startSink } from "../../lab/sink.ts";
import { LAB_CANARY_DOMAIN } from "../../shared/probe/defaults.ts";
import { runProbe } from "../../shared/probe/runner.ts";
import { nodejsConnector } from "../../shared/smtp/nodejs-stream.ts";
import { couldNotTest, couldNotTestKind } from "../../shared/verdict/could-not-test.ts";
import { messagesFor } from "../../workers/coordinator/src/i18n/index.ts";

/**
 * Words that blame the right party (issue 14): the real engine against the lab's servers that
 * never let a test finish, and what the report then says the server did.
 */

let sink: RunningSink;
beforeAll(async () => {
  sink = await startSink({ acceptDomain: LAB_CANARY_DOMAIN });
});
afterAll(async () => {
  await sink.close();
});

async function probe(behaviour: SimBehaviour, simOptions: SimOptions, timeBudgetMs: number) {
  const sim = await startSim(behaviour, {
    relayTo: { host: sink.host, port: sink.port },
    canaryDomain: LAB_CANARY_DOMAIN,
    ...simOptions,
  });
  try {
    return await runProbe(nodejsConnector, {
      canaryDomain: LAB_CANARY_DOMAIN,
      timeBudgetMs,
      target: { address: "127.0.0.1", port: sim.port, implicitTls: false },
    });
  } finally {
    await sim.close();
  }
}

describe("what an inconclusive report says the server did", () => {
  it.each([
    ["banner-421", {}, 10_000, "rate-limited"],
    ["banner-554", {}, 10_000, "blocked"],
    ["stall", {}, 2_000, "tarpitted"],
    ["tarpit", { tarpitDelayMs: 400 }, 3_000, "tarpitted"],
    // Stopped by the tarpit budget long before the time budget: "tarpit: ..." is its reason.
    ["byte-tarpit", {}, 60_000, "tarpitted"],
    ["greylist", { greylistDelaySec: 60 }, 3_000, "greylisted"],
  ] as const)("%s: %s", async (behaviour, options, budget, kind) => {
    const result = await probe(behaviour, options, budget);
    expect(result.verdict).toBe("inconclusive");
    expect(couldNotTestKind(result.verdict, result.reason)).toBe(kind);
    for (const language of ["en", "ja"] as const) {
      const words = couldNotTest(messagesFor(language).couldNotTest, result.verdict, result.reason);
      expect(words?.kind).toBe(kind);
      expect(words?.notAFailure).toBe(messagesFor(language).couldNotTest.notAFailure);
      expect(words?.whatToDo.length).toBeGreaterThan(20);
    }
  });

  it("says nothing of the kind about a decided verdict", async () => {
    const result = await probe("secure-pipelining", {}, 10_000);
    expect(result.verdict).toBe("closed");
    expect(couldNotTestKind(result.verdict, result.reason)).toBeNull();
  });

  it("never reads a bare error: every kind has words in both languages", () => {
    for (const language of ["en", "ja"] as const) {
      const t = messagesFor(language);
      for (const words of Object.values(t.couldNotTest.kinds)) {
        expect(words.serverDid).not.toMatch(/^error$/i);
        expect(words.whatToDo.length).toBeGreaterThan(10);
      }
    }
    expect(couldNotTestKind("inconclusive", "something nobody foresaw")).toBe("other");
  });
});
