import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyBody } from "../../shared/auth/hmac.ts";
import worker from "../../workers/coordinator/index.ts";
import type { CoordinatorEnv } from "../../workers/coordinator/src/env.ts";
import { RETRY_DELAYS_SECONDS } from "../../workers/coordinator/src/webhooks/backoff.ts";
import type { WebhookMessage } from "../../workers/coordinator/src/webhooks/messages.ts";
import { webhookSecretFor } from "../../workers/coordinator/src/webhooks/secret.ts";
import { insertApiKey, type TestKey } from "./access-fixtures.ts";
import { STAND_IN_CONTROL, TEST_NODES, WEBHOOK_SIGNING_SECRET } from "./coordinator-env.ts";
import {
  createCheck,
  type EnvOverrides,
  expectApiError,
  runQueue,
  standIn,
} from "./coordinator-helpers.ts";

/** Webhooks need an API key: anonymous ones would let anyone make us call any URL. */
let key: TestKey;
beforeAll(async () => {
  key = await insertApiKey({ dailyQuota: 100_000 });
});

import { type RecordedWebhookCall, WEBHOOK_CALLS_PATH } from "./webhook-receiver.ts";

/**
 * Check-level webhooks end to end: POST /api/v1/checks with `webhook`, the probe consumer
 * finishes the check and queues one delivery, the webhook consumer POSTs a signed summary to
 * the stand-in receiver (test/workers/webhook-receiver.ts) and retries failures with back-off.
 */

const WEBHOOK_QUEUE_NAME = "relaywatch-webhooks";
const PUBLIC_ORIGIN = "https://relaywatch.example";
const HOOKS = "https://hooks.example.test";

function recordingWebhookQueue(sent: WebhookMessage[]): Queue<unknown> {
  const real = env.WEBHOOK_QUEUE;
  return {
    metrics: () => real.metrics(),
    send: (body, options) => {
      sent.push(body as WebhookMessage);
      return real.send(body, options);
    },
    sendBatch: (messages, options) => {
      const list = [...messages];
      sent.push(...list.map((message) => message.body as WebhookMessage));
      return real.sendBatch(list, options);
    },
  };
}

let sequence = 0;

/**
 * Runs the webhook consumer on one message, as the queue would (re)deliver it, and reports
 * what the consumer did with it. A hand-made batch rather than createMessageBatch: the tests
 * need the delay passed to retry(), which getQueueResult does not report.
 */
async function deliver(message: WebhookMessage, overrides: EnvOverrides = {}) {
  sequence += 1;
  const outcome = { acks: 0, retryMessages: [] as { delaySeconds: number | undefined }[] };
  const delivered = {
    id: `webhook-message-${sequence}`,
    timestamp: new Date(),
    attempts: 1,
    body: message,
    ack: () => {
      outcome.acks += 1;
    },
    retry: (options?: QueueRetryOptions) => {
      outcome.retryMessages.push({ delaySeconds: options?.delaySeconds });
    },
  };
  const batch: MessageBatch<unknown> = {
    queue: WEBHOOK_QUEUE_NAME,
    metadata: { metrics: { backlogCount: 1, backlogBytes: 0 } },
    messages: [delivered],
    ackAll: () => delivered.ack(),
    retryAll: (options) => delivered.retry(options),
  };
  await worker.queue(
    batch,
    { ...env, PUBLIC_ORIGIN, ...overrides } as CoordinatorEnv,
    createExecutionContext(),
  );
  return outcome;
}

async function receivedAt(path: string): Promise<RecordedWebhookCall[]> {
  const response = await fetch(`${STAND_IN_CONTROL}${WEBHOOK_CALLS_PATH}?path=${path}`);
  return (await response.json()) as RecordedWebhookCall[];
}

interface DeliveryRow {
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  delivered_at: number | null;
}

async function deliveryRow(id: string): Promise<DeliveryRow> {
  const row = await env.DB.prepare(
    "select status, attempts, next_attempt_at, last_error, delivered_at from webhook_deliveries where id = ?",
  )
    .bind(id)
    .first<DeliveryRow>();
  if (!row) throw new Error(`no delivery ${id}`);
  return row;
}

/** A host check with a webhook, finished by the stand-in nodes; returns its queued delivery. */
async function finishedCheckWithWebhook(path: string) {
  const created = await createCheck(
    { host: "127.0.0.1", port: 2525, webhook: `${HOOKS}${path}` },
    key.authorization,
  );
  expect(created.response.status).toBe(202);
  await standIn.script(
    created.body.id,
    Object.fromEntries(TEST_NODES.map((node) => [node.id, { kind: "result", verdict: "open" }])),
  );
  const webhooks: WebhookMessage[] = [];
  await runQueue(created.messages, { WEBHOOK_QUEUE: recordingWebhookQueue(webhooks) });
  expect(webhooks).toEqual([{ deliveryId: `check-${created.body.id}` }]);
  return { checkId: created.body.id, message: webhooks[0] as WebhookMessage };
}

/** The receiver's secret computed here from its definition, not by the code under test. */
async function expectedSecret(apiKeyId: string | null): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(WEBHOOK_SIGNING_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    encoder.encode(`webhook:${apiKeyId ?? "anonymous"}`),
  );
  return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

describe("check webhooks", () => {
  it("POSTs a signed summary once the check finishes, and only once", async () => {
    const path = "/answer/200/check-delivered";
    const { checkId, message } = await finishedCheckWithWebhook(path);
    expect(await deliveryRow(message.deliveryId)).toMatchObject({ status: "pending", attempts: 0 });

    const result = await deliver(message);
    expect(result.retryMessages).toEqual([]);
    expect(result.acks).toBe(1);

    const [call, ...others] = await receivedAt(path);
    expect(others).toEqual([]);
    expect(call?.method).toBe("POST");
    expect(call?.headers).toMatchObject({
      "content-type": "application/json",
      "x-relaywatch-delivery": message.deliveryId,
      "x-relaywatch-signature": expect.stringMatching(/^v1=[0-9a-f]{64}$/),
    });
    const secret = await expectedSecret(key.id);
    expect(await webhookSecretFor(env, key.id)).toBe(secret);
    const headers = new Headers(
      Object.entries(call?.headers ?? {}).flatMap(([name, value]) =>
        value === null ? [] : [[name, value] as [string, string]],
      ),
    );
    expect(await verifyBody(secret, call?.body ?? "", headers)).toBeNull();
    expect(await verifyBody(await expectedSecret("another-key"), call?.body ?? "", headers)).toBe(
      "bad-signature",
    );
    expect(JSON.parse(call?.body ?? "null")).toMatchObject({
      event: "check.finished",
      id: checkId,
      target: "127.0.0.1",
      port: 2525,
      status: "done",
      verdict: "open",
      report: `${PUBLIC_ORIGIN}/api/v1/checks/${checkId}`,
    });
    expect(await deliveryRow(message.deliveryId)).toMatchObject({
      status: "delivered",
      attempts: 1,
      delivered_at: expect.any(Number),
    });

    // A redelivered message finds the delivery done and calls nobody.
    await deliver(message);
    expect(await receivedAt(path)).toHaveLength(1);
  });

  it("retries a failing receiver with growing delays, recording each attempt", async () => {
    const path = "/answer/500/check-failing";
    const { message } = await finishedCheckWithWebhook(path);
    const nextAttempts: number[] = [];
    for (const expectedDelay of RETRY_DELAYS_SECONDS.slice(0, 3)) {
      const result = await deliver(message);
      expect(result.retryMessages).toEqual([{ delaySeconds: expectedDelay }]);
      const row = await deliveryRow(message.deliveryId);
      expect(row).toMatchObject({
        status: "pending",
        last_error: "the receiver answered HTTP 500",
      });
      nextAttempts.push(row.next_attempt_at);
    }
    expect((await deliveryRow(message.deliveryId)).attempts).toBe(3);
    expect(nextAttempts[1]).toBeGreaterThan(nextAttempts[0] ?? Infinity);
    expect(nextAttempts[2]).toBeGreaterThan(nextAttempts[1] ?? Infinity);
    expect(await receivedAt(path)).toHaveLength(3);

    // The last attempt fails too: the delivery is given up and the message acknowledged.
    await env.DB.prepare("update webhook_deliveries set attempts = ? where id = ?")
      .bind(RETRY_DELAYS_SECONDS.length, message.deliveryId)
      .run();
    const last = await deliver(message);
    expect(last.retryMessages).toEqual([]);
    expect(last.acks).toBe(1);
    expect(await deliveryRow(message.deliveryId)).toMatchObject({
      status: "failed",
      attempts: RETRY_DELAYS_SECONDS.length + 1,
    });
  });

  it("marks a delivery delivered when a retry succeeds", async () => {
    const path = "/answer/503,204/check-recovers";
    const { message } = await finishedCheckWithWebhook(path);
    expect((await deliver(message)).retryMessages).toHaveLength(1);
    expect((await deliver(message)).retryMessages).toEqual([]);
    expect(await deliveryRow(message.deliveryId)).toMatchObject({
      status: "delivered",
      attempts: 2,
      last_error: "the receiver answered HTTP 503",
    });
  });

  it("refuses webhook URLs that are not https, or point at private addresses", async () => {
    const refused = [
      "http://hooks.example.test/x",
      "https://192.168.1.10/x",
      "https://[fd00::1]/x",
      "https://user:pass@hooks.example.test/x",
      "ftp://hooks.example.test/x",
    ];
    for (const webhook of refused) {
      const { response, messages } = await createCheck(
        { host: "127.0.0.1", port: 2525, webhook },
        key.authorization,
      );
      await expectApiError(response, 400, "invalid_webhook");
      expect(messages).toEqual([]);
    }
    const anonymous = await createCheck({
      host: "127.0.0.1",
      port: 2525,
      webhook: `${HOOKS}/answer/200/x`,
    });
    await expectApiError(anonymous.response, 401, "api_key_required");
    expect(anonymous.messages).toEqual([]);
    const unsigned = await createCheck(
      { host: "127.0.0.1", port: 2525, webhook: `${HOOKS}/answer/200/x` },
      key.authorization,
      { WEBHOOK_SIGNING_SECRET: undefined },
    );
    await expectApiError(unsigned.response, 503, "webhooks_unavailable");
    // Loopback receivers only where ALLOW_LOOPBACK_TARGETS is on, as in these tests.
    const local = await createCheck(
      { host: "127.0.0.1", port: 2525, webhook: "http://127.0.0.1:9/x" },
      key.authorization,
    );
    expect(local.response.status).toBe(202);
    const production = await createCheck(
      { host: "mx.host.lab.test", port: 2525, webhook: "http://localhost:9/x" },
      key.authorization,
      { ALLOW_LOOPBACK_TARGETS: "false" },
    );
    await expectApiError(production.response, 400, "invalid_webhook");
  });

  it("queues nothing for a check without a webhook", async () => {
    const created = await createCheck({ host: "127.0.0.1", port: 2525 });
    await standIn.script(
      created.body.id,
      Object.fromEntries(
        TEST_NODES.map((node) => [node.id, { kind: "result", verdict: "closed" }]),
      ),
    );
    const webhooks: WebhookMessage[] = [];
    await runQueue(created.messages, { WEBHOOK_QUEUE: recordingWebhookQueue(webhooks) });
    expect(webhooks).toEqual([]);
  });
});
