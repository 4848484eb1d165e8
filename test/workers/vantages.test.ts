import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { unwrapNodeSecret } from "../../shared/auth/secret-wrap.ts";
import { nodeLeases, probeNodes } from "../../workers/coordinator/src/db/schema.ts";
import { readConfig } from "../../workers/coordinator/src/env.ts";
import { nodeRow } from "../../workers/coordinator/src/nodes/node-row.ts";
import { loadRegistry } from "../../workers/coordinator/src/nodes/registry.ts";
import {
  NODE_SECRET_KEY,
  REGISTRY_ONLY_NODES,
  TEST_NODES,
  TEST_ZONE,
  type TestNode,
} from "./coordinator-env.ts";
import {
  callMain,
  callWithEnv,
  createCheck,
  db,
  expectApiError,
  expireDeadline,
  getCheck,
  postJson,
  reportVantages,
  runQueue,
  runScheduled,
  standIn,
  vantageRows,
} from "./coordinator-helpers.ts";

/**
 * Vantages that are where, and outside whom, the report says: actual run locations, vantages in
 * one place counted once, target origin AS and `inside` vantages, the node registry with health
 * and per-node concurrency. Stand-in nodes (test/workers/probe-node-stand-in.ts) answer.
 */

const [FRA, IAD, SIN] = TEST_NODES.map((node) => node.id) as [string, string, string];
const [AMS] = REGISTRY_ONLY_NODES as [TestNode];

/**
 * Team Cymru's records for the test addresses: 127.0.0.1 is in node-fra's AS (24940); ::1 in
 * node-iad's (16509), reached by the nibble-reversed origin6 name; 127.0.0.4 (mx.mixed) is in
 * node-fra's AS too; 127.0.0.5 has a malformed
 * record, and 127.0.0.3 none at all: both unknown, which is never inside.
 */
const ASN_ZONE = `${TEST_ZONE}
1.0.0.127.origin.asn.cymru.com.  IN TXT "24940 | 127.0.0.0/8 | DE | ripencc | 2026-01-01"
AS24940.asn.cymru.com.           IN TXT "24940 | DE | ripencc | 2002-06-03 | HETZNER-AS, DE"
${"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"}.origin6.asn.cymru.com. IN TXT "16509 | ::1/128 | US | arin | 2026-01-01"
4.0.0.127.origin.asn.cymru.com.  IN TXT "24940 | 127.0.0.0/8 | DE | ripencc | 2026-01-01"
5.0.0.127.origin.asn.cymru.com.  IN TXT "not an asn | whatever"
`;
const withAsns = { DNS_ZONE: ASN_ZONE };

const allClosed = Object.fromEntries(
  [FRA, IAD, SIN].map((id) => [id, { kind: "result", verdict: "closed" } as const]),
);

async function addRegistryNode(node: TestNode, maxConcurrentJobs = 4) {
  const { secret, ...vantage } = node;
  const row = await nodeRow(
    NODE_SECRET_KEY,
    { ...vantage, runtime: "workerd", maxConcurrentJobs },
    secret,
    Date.now(),
  );
  await db.insert(probeNodes).values(row).onConflictDoUpdate({ target: probeNodes.id, set: row });
}

async function setState(nodeId: string, state: "active" | "disabled") {
  await db.update(probeNodes).set({ state }).where(eq(probeNodes.id, nodeId));
}

beforeAll(async () => {
  // The first request of the file migrates PROBE_NODES into the registry.
  await loadRegistry(db, readConfig(env));
});

describe("the node registry", () => {
  it("is bootstrapped from PROBE_NODES with secrets wrapped, not stored in the clear", async () => {
    const rows = await db.select().from(probeNodes);
    expect(rows.map((row) => [row.id, row.asn, row.site, row.state]).sort()).toEqual(
      TEST_NODES.map((node) => [node.id, node.asn, node.site, "active"]).sort(),
    );
    for (const node of TEST_NODES) {
      const row = rows.find((candidate) => candidate.id === node.id);
      expect(row?.secretWrapped).not.toContain(node.secret);
      expect(await unwrapNodeSecret(NODE_SECRET_KEY, node.id, row?.secretWrapped ?? "")).toBe(
        node.secret,
      );
      // Another node's row, or another key, does not unwrap it.
      await expect(
        unwrapNodeSecret(NODE_SECRET_KEY, "other", row?.secretWrapped ?? ""),
      ).rejects.toThrow(/does not unwrap/);
    }
  });

  it("answers 503 misconfigured when NODE_SECRET_KEY is missing, storing nothing", async () => {
    const response = await callWithEnv("/api/v1/checks", postJson({ host: "127.0.0.1" }), {
      NODE_SECRET_KEY: undefined,
    });
    await expectApiError(response, 503, "misconfigured", /NODE_SECRET_KEY/);
  });
});

describe("where each probe ran", () => {
  it("stores the location each node reports, prefers Cloudflare's placement header, and counts one place once", async () => {
    const { body, messages } = await createCheck({ host: "127.0.0.2", port: 25 });
    expect(messages).toHaveLength(3);
    await standIn.script(body.id, {
      // Two labels, one data centre: the placement header names where the Worker really ran.
      [FRA]: {
        kind: "result",
        verdict: "closed",
        location: { kind: "colo", name: "AMS" },
        placement: "remote-FRA",
      },
      [IAD]: { kind: "result", verdict: "closed", location: { kind: "colo", name: "FRA" } },
      [SIN]: { kind: "result", verdict: "closed" },
    });
    await runQueue(messages);
    const report = await getCheck(body.id);
    expect(reportVantages(report).map((v) => [v.node, v.location])).toEqual([
      [FRA, { kind: "colo", name: "FRA" }],
      [IAD, { kind: "colo", name: "FRA" }],
      [SIN, { kind: "site", name: "sgp1" }],
    ]);
    expect(report).toMatchObject({
      verdict: "closed",
      outsideVantages: 2,
      reason:
        "every address refused to relay from every vantage that tested it (eu-central+us-east, ap-southeast)",
      disagreement: "eu-central and us-east ran in the same place (FRA) and count once",
    });
    const page = await (await callMain(`/report/${body.id}`)).text();
    // Each vantage's row: its region, then where it really ran.
    expect(page).toContain('<th scope="row">eu-central</th><td>FRA</td>');
    expect(page).toContain('<th scope="row">ap-southeast</th><td>sgp1</td>');
    expect(page).toContain("eu-central (FRA), us-east (FRA), ap-southeast (sgp1)");
    expect(page).toContain("ran in the same place (FRA) and count once");
  });
});

describe("inside the target's network", () => {
  it("marks the vantage in the address's own AS inside, IPv4 and IPv6, and does not count it", async () => {
    const { body, messages } = await createCheck(
      { domain: "open.lab.test", port: 25 },
      {},
      withAsns,
    );
    await standIn.script(body.id, allClosed);
    await runQueue(messages);
    const report = await getCheck(body.id);
    const origins = report.mxHosts.flatMap((host) =>
      host.addresses.map((address) => [address.address, address.origin]),
    );
    expect(origins).toEqual([
      ["127.0.0.1", { asns: [24940], name: "HETZNER-AS, DE" }],
      ["127.0.0.2", null],
      ["::1", { asns: [16509], name: null }],
    ]);
    const inside = reportVantages(report)
      .filter((v) => v.inside)
      .map((v) => [v.address, v.node, v.asn]);
    expect(inside).toEqual([
      ["127.0.0.1", FRA, 24940],
      ["::1", IAD, 16509],
    ]);
    // Each address still has two outside vantages in distinct places.
    expect(report.outsideVantages).toBe(2);
    expect(report.verdict).toBe("closed");
    const page = await (await callMain(`/report/${body.id}`)).text();
    expect(page).toContain(
      "no for 127.0.0.1: inside its network (same AS), shown but not counted as outside",
    );
    expect(page).toContain("Network of this address: AS24940 (HETZNER-AS, DE)");
    expect(page).toContain("Network of this address: unknown (the AS lookup failed)");
  });

  it("treats a malformed ASN record as unknown, not inside", async () => {
    const { body, messages } = await createCheck({ host: "127.0.0.5", port: 25 }, {}, withAsns);
    await standIn.script(body.id, allClosed);
    await runQueue(messages);
    const report = await getCheck(body.id);
    expect(report.mxHosts[0]?.addresses[0]?.origin).toBeNull();
    expect(reportVantages(report).map((v) => v.inside)).toEqual([false, false, false]);
    expect(report.outsideVantages).toBe(3);
  });

  it("says closed is not corroborated, and keeps the badge grey, with fewer than 2 outside vantages", async () => {
    // 127.0.0.4: node-fra is inside its AS, and the other two ran in one place.
    const { body, messages } = await createCheck(
      { domain: "mixed.lab.test", port: 25 },
      {},
      withAsns,
    );
    await standIn.script(body.id, {
      [FRA]: { kind: "result", verdict: "closed" },
      [IAD]: { kind: "result", verdict: "closed", location: { kind: "colo", name: "SIN" } },
      [SIN]: { kind: "result", verdict: "closed", location: { kind: "colo", name: "SIN" } },
    });
    await runQueue(messages);
    const report = await getCheck(body.id);
    expect(reportVantages(report).map((v) => [v.node, v.inside])).toEqual([
      [FRA, true],
      [IAD, false],
      [SIN, false],
    ]);
    expect(report).toMatchObject({
      verdict: "closed",
      outsideVantages: 1,
      reason: expect.stringMatching(
        /^every address refused to relay from every vantage that tested it \(eu-central \(inside the target's network\), us-east\+ap-southeast\); only .+: fewer than 2 independent vantages outside the target's network, so this is not corroborated \(no green badge\)$/,
      ),
    });
    const page = await (await callMain(`/report/${body.id}`)).text();
    expect(page).toContain("Fewer than 2: a closed verdict is not corroborated");
    const badge = await callMain("/badge/mixed.lab.test.svg");
    expect(await badge.text()).toContain('aria-label="relay: unknown"');
    expect(badge.headers.get("x-relaywatch-reason")).toBe(
      "127.0.0.4 was found closed from 1 independent outside vantage(s), fewer than 2",
    );
  });
});

describe("health-based planning", () => {
  it("takes a node that stopped out of planning, names it in the next check, and brings it back", async () => {
    await addRegistryNode(AMS);
    try {
      const first = await createCheck({ host: "127.0.0.1", port: 25 });
      expect(first.messages).toHaveLength(4);
      await standIn.script(first.body.id, allClosed);
      // The node stops before its job runs (its proxy answers 503).
      await standIn.setDown(AMS.id, true);
      await runQueue(first.messages);
      const dead = reportVantages(await getCheck(first.body.id)).find((v) => v.node === AMS.id);
      expect(dead).toMatchObject({ status: "failed", verdict: "inconclusive" });
      expect(dead?.reason).toBe("node node-ams (eu-west) refused the job: down: stopped");

      // The cron's signed health check takes it out; the next check does not wait for it.
      await runScheduled();
      const [row] = await db.select().from(probeNodes).where(eq(probeNodes.id, AMS.id));
      expect(row).toMatchObject({ health: "down", healthError: "/v1/health answered HTTP 503" });
      const second = await createCheck({ host: "127.0.0.1", port: 25 });
      expect((await vantageRows(second.body.id)).map((v) => v.nodeId).sort()).toEqual(
        [FRA, IAD, SIN].sort(),
      );
      expect((await getCheck(second.body.id)).unavailableVantages).toEqual([
        {
          nodeId: AMS.id,
          region: "eu-west",
          reason: "failing its health checks (/v1/health answered HTTP 503)",
        },
      ]);
      await standIn.script(second.body.id, allClosed);
      await runQueue(second.messages);
      const page = await (await callMain(`/report/${second.body.id}`)).text();
      expect(page).toContain(
        "Unavailable when this check was planned: eu-west (failing its health",
      );

      // Back up: the health check says so, with the job limit the node declares.
      await standIn.setDown(AMS.id, false);
      await runScheduled();
      const [back] = await db.select().from(probeNodes).where(eq(probeNodes.id, AMS.id));
      expect(back).toMatchObject({ health: "up", healthError: null, maxConcurrentJobs: 4 });
      const third = await createCheck({ host: "127.0.0.1", port: 25 });
      expect(third.messages).toHaveLength(4);
      expect((await getCheck(third.body.id)).unavailableVantages).toEqual([]);
    } finally {
      await standIn.setDown(AMS.id, false);
      await setState(AMS.id, "disabled");
    }
  });

  it("refuses with no_vantage, naming them, when every node that may reach the port is out", async () => {
    await addRegistryNode(AMS);
    for (const id of [FRA, IAD, SIN]) await setState(id, "disabled");
    try {
      await standIn.setDown(AMS.id, true);
      await runScheduled();
      const { response } = await createCheck({ host: "127.0.0.1", port: 25 });
      await expectApiError(
        response,
        503,
        "no_vantage",
        "every probe node that may reach port 25 is unavailable: node-ams (eu-west)",
      );
    } finally {
      await standIn.setDown(AMS.id, false);
      for (const id of [FRA, IAD, SIN]) await setState(id, "active");
      await setState(AMS.id, "disabled");
    }
  });
});

describe("per-node concurrency", () => {
  it("never sends a node more jobs than its limit: the rest wait in the queue, none is dropped", async () => {
    await addRegistryNode(AMS, 2);
    for (const id of [FRA, IAD, SIN]) await setState(id, "disabled");
    try {
      const checks = [];
      for (let index = 0; index < 5; index += 1) {
        checks.push(await createCheck({ host: `127.0.0.${index + 1}`, port: 25 }));
      }
      for (const check of checks)
        await standIn.script(check.body.id, { [AMS.id]: { kind: "hold" } });
      const resent: unknown[] = [];
      const all = checks.flatMap((check) => check.messages);
      const consumer = runQueue(all, { PROBE_QUEUE: recording(resent) });
      // Two calls reach the node; the other three jobs go back on the queue, delayed.
      await expect.poll(() => resent.length, { timeout: 5_000 }).toBe(3);
      const leases = await db.select().from(nodeLeases);
      expect(leases).toHaveLength(2);
      const held = [];
      for (const check of checks) {
        const calls = await standIn.calls(check.body.id);
        if (calls.length > 0) held.push(check.body.id);
      }
      expect(held).toHaveLength(2);
      for (const id of held) {
        expect(await standIn.release(id, AMS.id, { kind: "result", verdict: "closed" })).toBe(true);
      }
      const { result } = await consumer;
      // Every message acknowledged: the waiting ones were re-sent, not retried.
      expect(result.retryMessages).toEqual([]);
      expect(await db.select().from(nodeLeases)).toHaveLength(0);
      for (const check of checks) {
        if (held.includes(check.body.id)) continue;
        await standIn.script(check.body.id, { [AMS.id]: { kind: "result", verdict: "closed" } });
      }
      // The queue delivers the waiting jobs again: two at a time get a slot, until none waits.
      let waiting = resent as typeof all;
      for (let round = 0; waiting.length > 0 && round < 5; round += 1) {
        const again: unknown[] = [];
        await runQueue(waiting, { PROBE_QUEUE: recording(again) });
        expect(again.length).toBe(Math.max(0, waiting.length - 2));
        waiting = again as typeof all;
      }
      expect(waiting).toEqual([]);
      for (const check of checks) {
        expect((await getCheck(check.body.id)).status).toBe("done");
      }
    } finally {
      for (const id of [FRA, IAD, SIN]) await setState(id, "active");
      await setState(AMS.id, "disabled");
    }
  });
});

describe("a job waiting for its node past its check's deadline", () => {
  it("keeps the check open, then runs: a node never asked is not a node that did not answer", async () => {
    await addRegistryNode(AMS, 1);
    for (const id of [FRA, IAD, SIN]) await setState(id, "disabled");
    try {
      const running = await createCheck({ host: "127.0.0.1", port: 25 });
      const waiting = await createCheck({ host: "127.0.0.2", port: 25 });
      await standIn.script(running.body.id, { [AMS.id]: { kind: "hold" } });
      await standIn.script(waiting.body.id, { [AMS.id]: { kind: "result", verdict: "closed" } });
      const resent: unknown[] = [];
      const consumer = runQueue([...running.messages, ...waiting.messages], {
        PROBE_QUEUE: recording(resent),
      });
      await expect.poll(() => resent.length, { timeout: 5_000 }).toBe(1);
      expect(resent).toEqual(waiting.messages);
      // A loaded machine or a slow queue: the waiting job is not back before the deadline.
      await expireDeadline(waiting.body.id);
      const meanwhile = await getCheck(waiting.body.id);
      expect(meanwhile.status).toBe("queued");
      expect(reportVantages(meanwhile).map((v) => [v.node, v.status])).toEqual([
        [AMS.id, "pending"],
      ]);
      expect(await standIn.calls(waiting.body.id)).toEqual([]);

      expect(
        await standIn.release(running.body.id, AMS.id, { kind: "result", verdict: "closed" }),
      ).toBe(true);
      await consumer;
      await runQueue(resent as typeof waiting.messages);
      const report = await getCheck(waiting.body.id);
      expect(report).toMatchObject({ status: "done", verdict: "closed" });
      expect(reportVantages(report).map((v) => [v.node, v.status, v.verdict])).toEqual([
        [AMS.id, "done", "closed"],
      ]);
    } finally {
      for (const id of [FRA, IAD, SIN]) await setState(id, "active");
      await setState(AMS.id, "disabled");
    }
  });
});

/** A PROBE_QUEUE that only records what is sent to it (the re-sent waiting jobs). */
function recording(sent: unknown[]): Queue<unknown> {
  return {
    metrics: () => env.PROBE_QUEUE.metrics(),
    send: async (body) => {
      sent.push(body);
      return undefined as never;
    },
    sendBatch: async (messages) => {
      sent.push(...[...messages].map((message) => message.body));
      return undefined as never;
    },
  };
}
