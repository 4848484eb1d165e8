import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { insertApiKey, type TestKey } from "./access-fixtures.ts";
import { TEST_ZONE } from "./coordinator-env.ts";
import {
  callWithEnv,
  createCheck,
  type EnvOverrides,
  expectApiError,
  postJson,
  recordingQueue,
} from "./coordinator-helpers.ts";
import {
  deliverWebhook,
  deliveryRow,
  finishedCheckWithWebhook,
  HOOKS,
  receivedAt,
} from "./webhook-fixtures.ts";

/**
 * Where a webhook URL's host name leads: resolved through the coordinator's resolver (the test
 * zone, test/workers/coordinator-env.ts) and every address guarded like a probe target, when
 * the URL is submitted and again before every delivery, since DNS can change in between.
 */

let key: TestKey;
beforeAll(async () => {
  key = await insertApiKey({ dailyQuota: 100_000 });
});

/** Names of the test zone a webhook must not reach, with what the refusal must say. */
const REFUSED_HOSTS: { host: string; problem: RegExp }[] = [
  { host: "private.webhooks.test", problem: /10\.0\.0\.5 is a private address \(10\.0\.0\.0\/8\)/ },
  { host: "cgnat.webhooks.test", problem: /100\.64\.0\.7 is a carrier-grade NAT address/ },
  {
    host: "mapped-private.webhooks.test",
    problem: /::ffff:10\.0\.0\.5 is an IPv4-mapped address .* for 10\.0\.0\.5, which is a private/,
  },
  { host: "metadata.webhooks.test", problem: /169\.254\.169\.254 is a link-local address/ },
  { host: "partly-private.webhooks.test", problem: /192\.168\.0\.10 is a private address/ },
];

const STORED_TABLES = ["checks", "batches", "batch_items", "webhook_deliveries"] as const;

async function storedRows(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of STORED_TABLES) {
    const row = await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>();
    counts[table] = row?.n ?? 0;
  }
  return counts;
}

/** POST /api/v1/batches with the test key, recording what it queues. */
async function postBatch(webhook: string, overrides: EnvOverrides = {}) {
  const queued: unknown[] = [];
  const response = await callWithEnv(
    "/api/v1/batches",
    postJson({ domains: ["open.lab.test"], port: 2525, webhook }, key.authorization),
    { BATCH_QUEUE: recordingQueue(env.BATCH_QUEUE, queued), ...overrides },
  );
  return { response, queued };
}

/** A check and a batch naming this webhook are both refused, and neither stores anything. */
async function expectRefusedEverywhere(
  webhook: string,
  message: RegExp,
  overrides: EnvOverrides = {},
) {
  const before = await storedRows();
  const check = await createCheck(
    { host: "127.0.0.1", port: 2525, webhook },
    key.authorization,
    overrides,
  );
  await expectApiError(check.response, 400, "invalid_webhook", message);
  expect(check.messages).toEqual([]);
  const batch = await postBatch(webhook, overrides);
  await expectApiError(batch.response, 400, "invalid_webhook", message);
  expect(batch.queued).toEqual([]);
  expect(await storedRows()).toEqual(before);
}

describe("webhook host names at submission", () => {
  for (const { host, problem } of REFUSED_HOSTS) {
    it(`refuses ${host}, naming the address and why`, async () => {
      await expectRefusedEverywhere(
        `https://${host}/hook`,
        new RegExp(
          `^webhook host ${host.replaceAll(".", "\\.")} resolves to a refused address: ${problem.source}`,
        ),
      );
    });
  }

  it("refuses a name that does not resolve", async () => {
    await expectRefusedEverywhere(
      "https://nowhere.webhooks.test/hook",
      /^webhook host nowhere\.webhooks\.test does not resolve/,
    );
  });

  it("refuses a name on loopback unless loopback targets are allowed", async () => {
    await expectRefusedEverywhere(
      `${HOOKS}/answer/200/loopback-refused`,
      /^webhook host hooks\.example\.test resolves to a refused address: 127\.0\.0\.1 is a loopback address/,
      { ALLOW_LOOPBACK_TARGETS: "false" },
    );
  });

  it("accepts a name whose every address is allowed", async () => {
    const webhook = `${HOOKS}/answer/200/accepted`;
    const check = await createCheck({ host: "127.0.0.1", port: 2525, webhook }, key.authorization);
    expect(check.response.status).toBe(202);
    const batch = await postBatch(webhook);
    expect(batch.response.status).toBe(202);
    const stored = await env.DB.prepare("select webhook_url from batches where id = ?")
      .bind(((await batch.response.json()) as { id: string }).id)
      .first<{ webhook_url: string }>();
    expect(stored?.webhook_url).toBe(webhook);
  });
});

describe("webhook host names at delivery", () => {
  it("gives up, without calling, a name that now resolves to a private address", async () => {
    const path = "/answer/200/rebound";
    const { message } = await finishedCheckWithWebhook(path, key.authorization);
    // DNS rebinding: public at submission, inside the network when the call is made.
    const rebound = `${TEST_ZONE}\nhooks.example.test. IN A 10.0.0.5\n`;
    const outcome = await deliverWebhook(message, { DNS_ZONE: rebound });
    expect(outcome).toEqual({ acks: 1, retryMessages: [] });
    const row = await deliveryRow(message.deliveryId);
    expect(row).toMatchObject({ status: "failed", attempts: 1, delivered_at: null });
    expect(row.last_error).toMatch(
      /^webhook host hooks\.example\.test resolves to a refused address: 10\.0\.0\.5 is a private address/,
    );
    expect(await receivedAt(path)).toEqual([]);

    // The message coming back finds the delivery given up, and still calls nobody.
    await deliverWebhook(message);
    expect(await receivedAt(path)).toEqual([]);
  });

  it("retries, without calling, a name that stopped resolving", async () => {
    const path = "/answer/200/vanished";
    const { message } = await finishedCheckWithWebhook(path, key.authorization);
    const withoutReceiver = TEST_ZONE.replace(/^hooks\.example\.test\..*$/m, "");
    const outcome = await deliverWebhook(message, { DNS_ZONE: withoutReceiver });
    expect(outcome.retryMessages).toHaveLength(1);
    expect(await deliveryRow(message.deliveryId)).toMatchObject({
      status: "pending",
      attempts: 1,
      last_error: "webhook host hooks.example.test does not resolve (it has no A or AAAA record)",
    });
    expect(await receivedAt(path)).toEqual([]);

    // Once the name resolves again, the retry goes through.
    await deliverWebhook(message);
    expect(await receivedAt(path)).toHaveLength(1);
    expect(await deliveryRow(message.deliveryId)).toMatchObject({
      status: "delivered",
      attempts: 2,
    });
  });
});
