import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyBody } from "../../shared/auth/hmac.ts";
import { readConfig } from "../../workers/coordinator/src/env.ts";
import { RETRY_DELAYS_SECONDS } from "../../workers/coordinator/src/webhooks/backoff.ts";
import { webhookSecretFor } from "../../workers/coordinator/src/webhooks/secret.ts";
import { insertApiKey, type TestKey } from "./access-fixtures.ts";
import { CANARY_DOMAIN, TEST_NODES, WEBHOOK_SIGNING_SECRET } from "./coordinator-env.ts";
import {
  createCheck,
  expectApiError,
  getCheck,
  recordingQueue,
  runQueue,
  standIn,
} from "./coordinator-helpers.ts";
import { closeProofWindow, deliver as deliverCanary, tokenOf } from "./proof-fixtures.ts";
import {
  deliverWebhook as deliver,
  deliveryRow,
  finishedCheckWithWebhook,
  HOOKS,
  PUBLIC_ORIGIN,
  receivedAt,
} from "./webhook-fixtures.ts";

/**
 * Check-level webhooks end to end: POST /api/v1/checks with `webhook`, the probe consumer
 * finishes the check and queues one delivery, the webhook consumer POSTs a signed summary to
 * the stand-in receiver (test/workers/webhook-receiver.ts) and retries failures with back-off.
 * What the URL may resolve to: webhook-url-guard.test.ts.
 */

/** Webhooks need an API key: anonymous ones would let anyone make us call any URL. */
let key: TestKey;
beforeAll(async () => {
  key = await insertApiKey({ dailyQuota: 100_000 });
});

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
    const { checkId, message } = await finishedCheckWithWebhook(path, key.authorization);
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
    expect(await webhookSecretFor(readConfig(env), key.id)).toBe(secret);
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
      verdictLabel: "open (accepted, unconfirmed)",
      proof: null,
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
    const { message } = await finishedCheckWithWebhook(path, key.authorization);
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
    const { message } = await finishedCheckWithWebhook(path, key.authorization);
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
    const webhooks: unknown[] = [];
    await runQueue(created.messages, {
      WEBHOOK_QUEUE: recordingQueue(env.WEBHOOK_QUEUE, webhooks),
    });
    expect(webhooks).toEqual([]);
  });
});

/** The check.finished payload the receiver got at this path, and what the API shows. */
async function payloadAndReport(path: string, checkId: string) {
  const [call] = await receivedAt(path);
  const payload = JSON.parse(call?.body ?? "null") as Record<string, unknown>;
  const report = await getCheck(checkId);
  return {
    payload: { verdict: payload.verdict, verdictLabel: payload.verdictLabel, proof: payload.proof },
    report: { verdict: report.verdict, verdictLabel: report.verdictLabel, proof: report.proof },
  };
}

describe("the check.finished payload's delivery proof", () => {
  it("says pending while the canary message is awaited", async () => {
    const path = "/answer/200/proof-pending";
    const { checkId, message } = await finishedCheckWithWebhook(path, key.authorization, {
      proof: true,
    });
    await deliver(message);
    const { payload, report } = await payloadAndReport(path, checkId);
    expect(payload).toEqual({
      verdict: "open",
      verdictLabel: "open (accepted, unconfirmed)",
      proof: "pending",
    });
    expect(payload).toEqual(report);
  });

  it("says confirmed when the canary message arrived before the webhook was sent", async () => {
    const path = "/answer/200/proof-confirmed";
    const { checkId, message } = await finishedCheckWithWebhook(path, key.authorization, {
      proof: true,
    });
    const token = await tokenOf(checkId, "accepted");
    expect(await deliverCanary({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([]);
    await deliver(message);
    const { payload, report } = await payloadAndReport(path, checkId);
    expect(payload).toEqual({
      verdict: "open",
      verdictLabel: "open (confirmed)",
      proof: "confirmed",
    });
    expect(payload).toEqual(report);
  });

  it("says unconfirmed when the window closed before a retry was sent", async () => {
    const path = "/answer/500,200/proof-unconfirmed";
    const { checkId, message } = await finishedCheckWithWebhook(path, key.authorization, {
      proof: true,
    });
    expect((await deliver(message)).retryMessages).toHaveLength(1);
    await closeProofWindow(checkId);
    await deliver(message);
    const calls = await receivedAt(path);
    expect(calls.map((call) => JSON.parse(call.body).proof)).toEqual(["pending", "unconfirmed"]);
    const report = await getCheck(checkId);
    expect(JSON.parse(calls[1]?.body ?? "null")).toMatchObject({
      verdictLabel: report.verdictLabel,
      proof: report.proof,
    });
  });
});
