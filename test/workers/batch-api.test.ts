import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { ProbeJob } from "../../shared/schemas/protocol.ts";
import worker from "../../workers/coordinator/index.ts";
import type { BatchSliceMessage } from "../../workers/coordinator/src/batches/messages.ts";
import type { ProbeMessage } from "../../workers/coordinator/src/checks/messages.ts";
import type { CoordinatorEnv } from "../../workers/coordinator/src/env.ts";
import type { WebhookMessage } from "../../workers/coordinator/src/webhooks/messages.ts";
import { insertApiKey, type TestKey } from "./access-fixtures.ts";
import { STAND_IN_CONTROL, TEST_NODES, TEST_ZONE } from "./coordinator-env.ts";
import {
  callMain,
  callWithEnv,
  countRows,
  type EnvOverrides,
  expectApiError,
  postJson,
  recordingQueue,
  runQueue,
  standIn,
} from "./coordinator-helpers.ts";
import { type RecordedWebhookCall, WEBHOOK_CALLS_PATH } from "./webhook-receiver.ts";

/**
 * Batches end to end inside the coordinator: POST stores the batch and queues slices (no check
 * starts in the request), the batch consumer starts the checks, the probe consumer finishes
 * them against the stand-in nodes, and GET (JSON or CSV) shows the progress. Zone and nodes:
 * test/workers/coordinator-env.ts.
 */

const BATCH_QUEUE_NAME = "relaywatch-batch-jobs";
const WEBHOOK_QUEUE_NAME = "relaywatch-webhooks";
const WEBHOOK_URL = "https://hooks.example.test/answer/200/batch-flow";

interface QueueRecorder {
  batches: BatchSliceMessage[];
  probes: ProbeMessage[];
  webhooks: WebhookMessage[];
  overrides: EnvOverrides;
}

function recorder(): QueueRecorder {
  const batches: BatchSliceMessage[] = [];
  const probes: ProbeMessage[] = [];
  const webhooks: WebhookMessage[] = [];
  return {
    batches,
    probes,
    webhooks,
    overrides: {
      BATCH_QUEUE: recordingQueue(env.BATCH_QUEUE, batches as unknown[]),
      PROBE_QUEUE: recordingQueue(env.PROBE_QUEUE, probes),
      WEBHOOK_QUEUE: recordingQueue(env.WEBHOOK_QUEUE, webhooks as unknown[]),
    },
  };
}

let sequence = 0;

/** Runs the batch consumer on these slices, as the queue would deliver them. */
async function runBatchQueue(slices: BatchSliceMessage[], overrides: EnvOverrides) {
  const batch = createMessageBatch<unknown>(
    BATCH_QUEUE_NAME,
    slices.map((body) => {
      sequence += 1;
      return { id: `batch-message-${sequence}`, timestamp: new Date(), attempts: 1, body };
    }),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...overrides } as CoordinatorEnv, ctx);
  return getQueueResult(batch, ctx);
}

/** Runs the webhook consumer on these deliveries. */
async function runWebhookQueue(messages: WebhookMessage[]) {
  const batch = createMessageBatch<unknown>(
    WEBHOOK_QUEUE_NAME,
    messages.map((body) => {
      sequence += 1;
      return { id: `webhook-message-${sequence}`, timestamp: new Date(), attempts: 1, body };
    }),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

async function receivedAt(path: string): Promise<RecordedWebhookCall[]> {
  const response = await fetch(`${STAND_IN_CONTROL}${WEBHOOK_CALLS_PATH}?path=${path}`);
  return (await response.json()) as RecordedWebhookCall[];
}

/** Batches need an API key; every test posts with this one unless it says otherwise. */
let key: TestKey;
beforeAll(async () => {
  key = await insertApiKey({ dailyQuota: 100_000 });
});

async function postBatch(body: unknown, queues: QueueRecorder, headers?: Record<string, string>) {
  return callWithEnv(
    "/api/v1/batches",
    postJson(body, headers ?? key.authorization),
    queues.overrides,
  );
}

interface BatchItemJson {
  position: number;
  domain: string;
  port: number;
  status: string;
  checkId: string | null;
  verdict: string | null;
  reason: string | null;
  error: string | null;
  report: string | null;
}

interface BatchJson {
  id: string;
  status: string;
  total: number;
  counts: Record<string, number>;
  finishedAt: string | null;
  page: number;
  perPage: number;
  items: BatchItemJson[];
}

async function getBatch(id: string, query = ""): Promise<BatchJson> {
  const response = await callMain(`/api/v1/batches/${id}${query}`, {
    headers: key.authorization,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as BatchJson;
}

/** Every stand-in node answers every job of the check with this verdict. */
async function scriptAll(checkId: string, verdict: "open" | "closed") {
  await standIn.script(
    checkId,
    Object.fromEntries(TEST_NODES.map((node) => [node.id, { kind: "result", verdict }])),
  );
}

const FLOW_DOMAINS = [
  "open.lab.test",
  "OPEN.lab.test.",
  "implicit.example",
  "mixed.lab.test",
  "not a domain",
  "private.example",
  "nullmx.example",
];

describe("POST /api/v1/batches, the batch consumer and GET", () => {
  it("queues slices, starts checks from the queue, finishes once and notifies once", async () => {
    const queues = recorder();
    const checksBefore = await countRows("checks");
    const response = await postBatch({ domains: FLOW_DOMAINS, webhook: WEBHOOK_URL }, queues);
    expect(response.status).toBe(202);
    const created = (await response.json()) as { id: string; location: string };
    expect(created).toEqual({
      id: expect.any(String),
      status: "queued",
      total: 6,
      location: `/api/v1/batches/${created.id}`,
    });
    expect(response.headers.get("location")).toBe(created.location);
    // The request started nothing: one slice of the valid names, no probe job, no check.
    expect(queues.batches).toEqual([{ batchId: created.id, positions: [0, 1, 2, 4, 5] }]);
    expect(queues.probes).toEqual([]);
    expect(await countRows("checks")).toBe(checksBefore);

    const queued = await getBatch(created.id);
    expect(queued).toMatchObject({ status: "queued", total: 6, page: 1, perPage: 100 });
    expect(queued.counts).toMatchObject({ queued: 5, refused: 1, started: 0, done: 0 });
    expect(queued.items.map((item) => [item.domain, item.status])).toEqual([
      ["open.lab.test", "queued"],
      ["implicit.example", "queued"],
      ["mixed.lab.test", "queued"],
      ["not a domain", "refused"],
      ["private.example", "queued"],
      ["nullmx.example", "queued"],
    ]);
    expect(queued.items[3]?.error).toMatch(/^invalid_host: /);

    const [slice] = queues.batches as [BatchSliceMessage];
    const firstRun = await runBatchQueue([slice], queues.overrides);
    expect(firstRun.explicitAcks).toHaveLength(1);
    // 3 addresses of open, 1 of implicit, 1 of mixed (its private one refused), x 3 nodes.
    expect(queues.probes).toHaveLength(15);

    const started = await getBatch(created.id);
    expect(started.status).toBe("running");
    expect(started.counts).toMatchObject({ queued: 0, started: 3, refused: 3, done: 0 });
    const byDomain = new Map(started.items.map((item) => [item.domain, item]));
    expect(byDomain.get("private.example")?.error).toMatch(/^forbidden_target: /);
    expect(byDomain.get("nullmx.example")?.error).toMatch(/^null_mx: /);
    const openItem = byDomain.get("open.lab.test");
    expect(openItem?.report).toBe(`/api/v1/checks/${openItem?.checkId}`);

    // Redelivered: nothing starts again, nothing changes.
    const checksAfterStart = await countRows("checks");
    await runBatchQueue([slice], queues.overrides);
    expect(queues.probes).toHaveLength(15);
    expect(await countRows("checks")).toBe(checksAfterStart);

    const checkIds = started.items.flatMap((item) => (item.checkId ? [item.checkId] : []));
    expect(checkIds).toHaveLength(3);
    for (const checkId of checkIds) {
      await scriptAll(checkId, checkId === openItem?.checkId ? "open" : "closed");
    }
    const openJobs = queues.probes.filter((message) => message.checkId === openItem?.checkId);
    const otherJobs = queues.probes.filter((message) => message.checkId !== openItem?.checkId);
    await runQueue(openJobs, queues.overrides);
    const partway = await getBatch(created.id);
    expect(partway.status).toBe("running");
    expect(partway.counts).toMatchObject({ started: 2, done: 1, refused: 3, open: 1 });
    expect(queues.webhooks).toEqual([]);

    await runQueue(otherJobs, queues.overrides);
    const done = await getBatch(created.id);
    expect(done.status).toBe("done");
    expect(done.finishedAt).toEqual(expect.any(String));
    expect(done.counts).toEqual({
      queued: 0,
      started: 0,
      done: 3,
      refused: 3,
      open: 1,
      suspect: 0,
      closed: 2,
      inconclusive: 0,
    });
    expect(done.items.find((item) => item.domain === "open.lab.test")).toMatchObject({
      status: "done",
      verdict: "open",
    });
    expect(queues.webhooks).toEqual([{ deliveryId: `batch-${created.id}` }]);

    // Late or repeated signals neither finish the batch again nor notify twice.
    await runBatchQueue([slice], queues.overrides);
    await runQueue(otherJobs, queues.overrides);
    expect(queues.webhooks).toHaveLength(1);
    const delivery = await env.DB.prepare(
      "select subject_kind, url, status from webhook_deliveries where subject_id = ?",
    )
      .bind(created.id)
      .all();
    expect(delivery.results).toEqual([
      { subject_kind: "batch", url: WEBHOOK_URL, status: "pending" },
    ]);

    const sent = await runWebhookQueue(queues.webhooks);
    expect(sent.explicitAcks).toHaveLength(1);
    const calls = await receivedAt(new URL(WEBHOOK_URL).pathname);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.headers["x-relaywatch-signature"]).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(JSON.parse(calls[0]?.body ?? "null")).toEqual({
      event: "batch.finished",
      deliveryId: `batch-${created.id}`,
      id: created.id,
      total: 6,
      counts: done.counts,
      finishedAt: done.finishedAt,
      results: `/api/v1/batches/${created.id}`,
    });

    const secondPage = await getBatch(created.id, "?page=2&per_page=2");
    expect(secondPage).toMatchObject({ page: 2, perPage: 2 });
    expect(secondPage.items.map((item) => item.position)).toEqual([2, 3]);
    expect((await getBatch(created.id, "?page=9&per_page=2")).items).toEqual([]);

    const csv = await callMain(`/api/v1/batches/${created.id}?format=csv`, {
      headers: key.authorization,
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toBe(
      `attachment; filename="relaywatch-batch-${created.id}.csv"`,
    );
    const lines = (await csv.text()).split("\r\n");
    expect(lines[0]).toBe("position,domain,port,status,check_id,verdict,reason,error,report");
    expect(lines).toHaveLength(6 + 2);
    expect(lines[1]).toMatch(
      new RegExp(`^0,open\\.lab\\.test,25,done,${openItem?.checkId},open,.+,,/api/v1/checks/`),
    );
  });

  it("escapes CSV cells and neutralises spreadsheet formulas", async () => {
    const queues = recorder();
    const domains = ["implicit.example", '=HYPERLINK("x")', "+1", "-2", "@SUM", "a,b"];
    const response = await postBatch({ domains }, queues);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const csv = await callMain(`/api/v1/batches/${id}`, {
      headers: { ...key.authorization, accept: "text/csv" },
    });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(text).toContain('\r\n1,"\'=HYPERLINK(""x"")",25,refused,');
    expect(text).toContain("\r\n2,'+1,25,refused,");
    expect(text).toContain("\r\n3,'-2,25,refused,");
    expect(text).toContain("\r\n4,'@SUM,25,refused,");
    expect(text).toContain('\r\n5,"a,b",25,refused,');
    expect(text).toContain("\r\n0,implicit.example,25,queued,,,,,\r\n");
  });

  it("refuses malformed batches with the stable error shape", async () => {
    const queues = recorder();
    const tooMany = Array.from({ length: 1001 }, (_, index) => `d${index}.example`);
    await expectApiError(await postBatch({ domains: tooMany }, queues), 400, "invalid_request");
    await expectApiError(await postBatch({ domains: [] }, queues), 400, "invalid_request");
    await expectApiError(
      await postBatch({ domains: ["open.lab.test"], extra: 1 }, queues),
      400,
      "invalid_request",
      /unknown field/,
    );
    await expectApiError(
      await postBatch({ domains: ["not a domain", "127.0.0.1", "http://x.example/"] }, queues),
      400,
      "invalid_domains",
    );
    await expectApiError(
      await postBatch(
        { domains: ["open.lab.test"], webhook: "http://hooks.example.test/" },
        queues,
      ),
      400,
      "invalid_webhook",
      /https/,
    );
    await expectApiError(
      await postBatch({ domains: ["open.lab.test"], webhook: "https://10.1.2.3/hook" }, queues),
      400,
      "invalid_webhook",
    );
    expect(queues.batches).toEqual([]);
  });

  it("shows a batch only to the key that created it", async () => {
    const response = await postBatch({ domains: ["implicit.example"] }, recorder());
    const { id } = (await response.json()) as { id: string };
    const path = `/api/v1/batches/${id}`;
    await expectApiError(await callMain(path), 401, "api_key_required");
    await expectApiError(await callMain(`${path}?format=csv`), 401, "api_key_required");
    const stranger = await insertApiKey({ dailyQuota: 10 });
    await expectApiError(
      await callMain(path, { headers: stranger.authorization }),
      404,
      "not_found",
    );
    await expectApiError(
      await callMain(`${path}?format=csv`, { headers: stranger.authorization }),
      404,
      "not_found",
    );
    expect((await getBatch(id)).id).toBe(id);
  });

  it("answers bad page parameters with 400 and an unknown batch with 404", async () => {
    const queues = recorder();
    const response = await postBatch({ domains: ["implicit.example"] }, queues);
    const { id } = (await response.json()) as { id: string };
    for (const query of ["?page=0", "?page=abc", "?per_page=501", "?per_page=-1", "?page=1.5"]) {
      await expectApiError(
        await callMain(`/api/v1/batches/${id}${query}`, { headers: key.authorization }),
        400,
        "invalid_page",
      );
    }
    await expectApiError(
      await callMain(`/api/v1/batches/${id}?format=xml`, { headers: key.authorization }),
      400,
      "invalid_format",
    );
    await expectApiError(
      await callMain("/api/v1/batches/no-such-batch", { headers: key.authorization }),
      404,
      "not_found",
    );
  });

  it("takes a thousand domains in one request and slices them for the queue", async () => {
    const queues = recorder();
    const domains = Array.from({ length: 1000 }, (_, index) => `host-${index}.example`);
    const response = await postBatch({ domains, port: 587 }, queues);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect(queues.batches).toHaveLength(40);
    expect(queues.batches.flatMap((slice) => slice.positions)).toHaveLength(1000);
    const stored = await env.DB.prepare("select count(*) as n from batch_items where batch_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(stored?.n).toBe(1000);
    expect((await getBatch(id)).items).toHaveLength(100);
  });
});

async function countBatches(): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from batches").first<{ n: number }>();
  return row?.n ?? 0;
}

describe("a port per batch item", () => {
  it("starts each item's check on its own port, else the batch's, and shows the ports", async () => {
    const queues = recorder();
    const response = await postBatch(
      {
        domains: [
          "implicit.example",
          { domain: "implicit.example", port: 587 },
          { domain: "Implicit.Example.", port: 587 },
          { domain: "implicit.example", port: 465 },
          { domain: "implicit.example" },
          { domain: "mixed.lab.test", port: 25 },
        ],
        port: 465,
      },
      queues,
    );
    expect(response.status).toBe(202);
    const { id, total } = (await response.json()) as { id: string; total: number };
    // One domain on two ports is two items; the same name on the same port again is dropped,
    // whether the port is written out, the batch's, or the name is spelled differently.
    expect(total).toBe(3);
    const queued = await getBatch(id);
    expect(queued.items.map((item) => [item.domain, item.port, item.status])).toEqual([
      ["implicit.example", 465, "queued"],
      ["implicit.example", 587, "queued"],
      ["mixed.lab.test", 25, "queued"],
    ]);

    await runBatchQueue(queues.batches, queues.overrides);
    const started = await getBatch(id);
    const checkIds = started.items.map((item) => item.checkId ?? "");
    expect(started.items.map((item) => item.status)).toEqual(["started", "started", "started"]);
    const stored = await env.DB.prepare("select id, port from checks where batch_id = ?")
      .bind(id)
      .all<{ id: string; port: number }>();
    const storedPort = new Map(stored.results.map((row) => [row.id, row.port]));
    expect(checkIds.map((checkId) => storedPort.get(checkId))).toEqual([465, 587, 25]);

    // Every probe job the nodes receive carries its item's port.
    for (const checkId of checkIds) await scriptAll(checkId, "closed");
    await runQueue(queues.probes, queues.overrides);
    for (const [index, checkId] of checkIds.entries()) {
      const calls = await standIn.calls(checkId);
      expect(calls).toHaveLength(3);
      const jobPorts = new Set(calls.map((call) => (call.body as ProbeJob).target.port));
      expect(jobPorts).toEqual(new Set([started.items[index]?.port]));
    }

    const done = await getBatch(id);
    expect(done.status).toBe("done");
    expect(done.items.map((item) => [item.port, item.status, item.verdict])).toEqual([
      [465, "done", "closed"],
      [587, "done", "closed"],
      [25, "done", "closed"],
    ]);
    const csv = await callMain(`/api/v1/batches/${id}?format=csv`, {
      headers: key.authorization,
    });
    const lines = (await csv.text()).split("\r\n");
    expect(lines.slice(1, 4).map((line) => line.split(",").slice(0, 4))).toEqual([
      ["0", "implicit.example", "465", "done"],
      ["1", "implicit.example", "587", "done"],
      ["2", "mixed.lab.test", "25", "done"],
    ]);
  });

  it("refuses an item whose port the guard forbids, and runs the others", async () => {
    const queues = recorder();
    const response = await postBatch(
      {
        domains: [
          { domain: "public-looking.example", port: 80 },
          { domain: "implicit.example", port: 587 },
          { domain: "not a domain", port: 587 },
        ],
      },
      queues,
    );
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    // A port is judged with the addresses it would be used on, so only when the check starts.
    expect(queues.batches).toEqual([{ batchId: id, positions: [0, 1] }]);

    await runBatchQueue(queues.batches, queues.overrides);
    const started = await getBatch(id);
    expect(started.counts).toMatchObject({ queued: 0, started: 1, refused: 2 });
    const [refusedPort, running, refusedName] = started.items;
    expect(refusedPort).toMatchObject({ port: 80, status: "refused", checkId: null });
    expect(refusedPort?.error).toMatch(/^forbidden_target: .*Port 80 is not allowed/);
    expect(running).toMatchObject({ port: 587, status: "started" });
    expect(refusedName).toMatchObject({ port: 587, status: "refused" });
    expect(refusedName?.error).toMatch(/^invalid_host: /);
    expect(new Set(queues.probes.map((message) => message.checkId))).toEqual(
      new Set([running?.checkId]),
    );
  });

  it("answers a malformed item with the stable error shape and stores nothing", async () => {
    const queues = recorder();
    const batchesBefore = await countBatches();
    const malformed: [unknown, RegExp][] = [
      [{ domain: "open.lab.test", port: 587, note: "x" }, /^domains\.1: unknown field\(s\) note$/],
      [{ domain: "open.lab.test", port: 587.5 }, /^domains\.1\.port: /],
      [{ domain: "open.lab.test", port: "587" }, /^domains\.1\.port: /],
      [{ domain: "open.lab.test", port: 0 }, /^domains\.1\.port: /],
      [{ domain: "open.lab.test", port: 65_536 }, /^domains\.1\.port: /],
      [{ port: 587 }, /^domains\.1\.domain: /],
      [42, /^domains\.1: each domain is a name or \{"domain": "\.\.\.", "port": 587\}$/],
    ];
    for (const [item, message] of malformed) {
      const response = await postBatch({ domains: ["implicit.example", item] }, queues);
      await expectApiError(response, 400, "invalid_request", message);
    }
    expect(queues.batches).toEqual([]);
    expect(await countBatches()).toBe(batchesBefore);
  });
});

describe("who may start a batch", () => {
  it("refuses an anonymous batch: a batch is many checks and needs a key", async () => {
    const queues = recorder();
    const response = await postBatch({ domains: ["open.lab.test"] }, queues, {});
    await expectApiError(response, 401, "api_key_required");
  });

  it("takes every valid domain from the key's daily quota, all or nothing", async () => {
    const small = await insertApiKey({ dailyQuota: 2 });
    const queues = recorder();
    const tooMany = await postBatch(
      { domains: ["a.lab.test", "b.lab.test", "c.lab.test"] },
      queues,
      small.authorization,
    );
    await expectApiError(tooMany, 429, "quota_exceeded");
    const fits = await postBatch(
      { domains: ["a.lab.test", "b.lab.test"] },
      queues,
      small.authorization,
    );
    expect(fits.status).toBe(202);
    const nothingLeft = await postBatch({ domains: ["c.lab.test"] }, queues, small.authorization);
    await expectApiError(nothingLeft, 429, "quota_exceeded");
  });
});

describe("batches under the abuse budget (issue 8)", () => {
  const COOLDOWN_ON = {
    TARGET_COOLDOWN_SECONDS: "300",
    DNS_ZONE: `${TEST_ZONE}\n$ORIGIN cool.test.\nfirst IN A 127.0.0.71\nsecond IN A 127.0.0.72\n`,
  };

  it("gives an item whose target is in its cool-down the existing report, probing nothing", async () => {
    const queues = recorder();
    const single = await callWithEnv(
      "/api/v1/checks",
      postJson({ domain: "first.cool.test" }, key.authorization),
      { ...queues.overrides, ...COOLDOWN_ON },
    );
    expect(single.status).toBe(202);
    const existing = ((await single.json()) as { id: string }).id;
    const probesBefore = queues.probes.length;

    const posted = await postBatch({ domains: ["first.cool.test", "second.cool.test"] }, queues);
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    await runBatchQueue(queues.batches, { ...queues.overrides, ...COOLDOWN_ON });
    const { items } = await getBatch(id);
    expect(items[0]).toMatchObject({ domain: "first.cool.test", checkId: existing });
    expect(items[1]?.checkId).not.toBe(existing);
    // Only the other item's check was queued: one address, three vantages.
    const newJobs = queues.probes.slice(probesBefore);
    expect(newJobs.every((job) => job.checkId === items[1]?.checkId)).toBe(true);
    expect(newJobs.length).toBeGreaterThan(0);
  });

  it("stops a batch whose key is revoked: its queued items start no check", async () => {
    const revokedLater = await insertApiKey({ dailyQuota: 100 });
    const queues = recorder();
    const posted = await postBatch(
      { domains: ["open.lab.test", "implicit.example"] },
      queues,
      revokedLater.authorization,
    );
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    await env.DB.prepare("update api_keys set revoked_at = ? where id = ?")
      .bind(Date.now(), revokedLater.id)
      .run();
    await runBatchQueue(queues.batches, queues.overrides);
    expect(queues.probes).toEqual([]);
    const { results } = await env.DB.prepare(
      "select status, check_id, error from batch_items where batch_id = ? order by position",
    )
      .bind(id)
      .all<{ status: string; check_id: string | null; error: string }>();
    expect(results).toHaveLength(2);
    for (const item of results) {
      expect(item).toMatchObject({ status: "refused", check_id: null });
      expect(item.error).toMatch(/^api_key_revoked/);
    }
  });
});
