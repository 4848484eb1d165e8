import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../../workers/coordinator/index.ts";
import type { CoordinatorEnv } from "../../workers/coordinator/src/env.ts";
import type { WebhookMessage } from "../../workers/coordinator/src/webhooks/messages.ts";
import { STAND_IN_CONTROL, TEST_NODES } from "./coordinator-env.ts";
import {
  createCheck,
  type EnvOverrides,
  recordingQueue,
  runQueue,
  standIn,
} from "./coordinator-helpers.ts";
import { type RecordedWebhookCall, WEBHOOK_CALLS_PATH } from "./webhook-receiver.ts";

/** Helpers of the webhook tests (test/workers/webhook-*.test.ts). */

export const WEBHOOK_QUEUE_NAME = "relaywatch-webhooks";
export const PUBLIC_ORIGIN = "https://relaywatch.example";
/** The stand-in receiver (webhook-receiver.ts); the test zone resolves it to 127.0.0.1. */
export const HOOKS = "https://hooks.example.test";

let sequence = 0;

/**
 * Runs the webhook consumer on one message, as the queue would (re)deliver it, and reports
 * what the consumer did with it. A hand-made batch rather than createMessageBatch: the tests
 * need the delay passed to retry(), which getQueueResult does not report.
 */
export async function deliverWebhook(message: WebhookMessage, overrides: EnvOverrides = {}) {
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

/** The calls the stand-in receiver got at this path. */
export async function receivedAt(path: string): Promise<RecordedWebhookCall[]> {
  const response = await fetch(`${STAND_IN_CONTROL}${WEBHOOK_CALLS_PATH}?path=${path}`);
  return (await response.json()) as RecordedWebhookCall[];
}

export interface DeliveryRow {
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  delivered_at: number | null;
}

export async function deliveryRow(id: string): Promise<DeliveryRow> {
  const row = await env.DB.prepare(
    "select status, attempts, next_attempt_at, last_error, delivered_at from webhook_deliveries where id = ?",
  )
    .bind(id)
    .first<DeliveryRow>();
  if (!row) throw new Error(`no delivery ${id}`);
  return row;
}

/**
 * A host check with a webhook at this receiver path, finished by the stand-in nodes with an
 * open relay; returns its queued delivery. With `proof`, the check then waits for the canary.
 */
export async function finishedCheckWithWebhook(
  path: string,
  authorization: Record<string, string>,
  options: { proof?: boolean } = {},
) {
  const created = await createCheck(
    { host: "127.0.0.1", port: 2525, webhook: `${HOOKS}${path}`, ...options },
    authorization,
  );
  expect(created.response.status).toBe(202);
  await standIn.script(
    created.body.id,
    Object.fromEntries(TEST_NODES.map((node) => [node.id, { kind: "result", verdict: "open" }])),
  );
  const webhooks: unknown[] = [];
  await runQueue(created.messages, { WEBHOOK_QUEUE: recordingQueue(env.WEBHOOK_QUEUE, webhooks) });
  expect(webhooks).toEqual([{ deliveryId: `check-${created.body.id}` }]);
  return { checkId: created.body.id, message: webhooks[0] as WebhookMessage };
}
