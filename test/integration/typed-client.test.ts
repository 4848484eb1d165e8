import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalNetwork, labPort } from "../../lab/local-network.ts";
import { type RelaywatchClient, relaywatchClient } from "../../workers/coordinator/src/client.ts";
import { startTestNetwork, vantagesOf } from "./network-fixture.ts";

/**
 * The typed client a provider uses (README "API"), against the local network's coordinator on
 * 127.0.0.1: bodies, parameters and answers typed from the route declarations. This file is
 * type-checked with the coordinator's types (test/integration/tsconfig.client.json), as a
 * provider's project would be.
 */

let network: LocalNetwork;
let client: RelaywatchClient;

async function readCheck(id: string) {
  const response = await client.api.v1.checks[":id"].$get({ param: { id } });
  if (response.status !== 200) throw new Error(`GET check ${id}: ${response.status}`);
  return response.json();
}

describe("the typed client", () => {
  beforeAll(async () => {
    network = await startTestNetwork("typed-client", { realMtas: false });
    client = relaywatchClient(network.coordinator.url);
  }, 180_000);

  afterAll(async () => {
    await network?.stop();
  });

  it("starts a check and reads its report, typed", async () => {
    const started = await client.api.v1.checks.$post({
      // Unique per run: the network's D1 outlives it, and a key belongs to one request.
      header: { "idempotency-key": `typed-client-${crypto.randomUUID()}` },
      json: { host: "127.0.0.1", port: labPort(network, "open-relay"), cases: ["null-sender"] },
    });
    if (started.status !== 202) throw new Error(JSON.stringify(await started.json()));
    const { id, location } = await started.json();
    expect(started.headers.get("location")).toBe(location);

    let report = await readCheck(id);
    for (let polls = 0; report.status === "queued" || report.status === "running"; polls += 1) {
      expect(polls).toBeLessThan(240);
      await new Promise((wait) => setTimeout(wait, 250));
      report = await readCheck(id);
    }
    expect(report).toMatchObject({ id, status: "done", verdict: "open" });
    expect(vantagesOf(report).map((vantage) => vantage.cases.length)).toEqual([1, 1, 1, 1]);
    expect(vantagesOf(report).every((vantage) => vantage.verdict === "open")).toBe(true);
  });

  it("reads the caller's limits and gets errors as typed {code, message}", async () => {
    const limits = await client.api.v1.limits.$get({ query: {} });
    expect(limits.status).toBe(200);
    if (limits.status === 200) expect((await limits.json()).caller).toEqual({ kind: "anonymous" });

    const refused = await client.api.v1.checks.$post({
      header: {},
      json: { host: "192.168.1.1" },
    });
    expect(refused.status).toBe(400);
    if (refused.status === 400) {
      expect(await refused.json()).toMatchObject({
        code: "forbidden_target",
        message: expect.stringContaining("private"),
      });
    }
    const missing = await client.api.v1.checks[":id"].$get({ param: { id: "no-such-check" } });
    expect(missing.status).toBe(404);
  });
});
