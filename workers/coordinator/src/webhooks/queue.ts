import { signBody } from "../../../../shared/auth/hmac.ts";
import { type Database, openDatabase } from "../db/repository.ts";
import type { WebhookDeliveryRow } from "../db/schema.ts";
import type { CoordinatorEnv } from "../env.ts";
import { retryDelaySeconds } from "./backoff.ts";
import { findDelivery, markDelivered, recordFailedAttempt } from "./deliveries.ts";
import { WebhookMessage } from "./messages.ts";
import { webhookPayload } from "./payload.ts";
import { webhookSecretFor } from "./secret.ts";

export const WEBHOOK_TIMEOUT_MS = 10_000;
export const DELIVERY_HEADER = "x-relaywatch-delivery";
/** When storage itself fails, the message comes back soon, and no attempt is counted. */
const STORAGE_RETRY_SECONDS = 30;

/** One signed POST; null when the receiver answered 2xx, else why not. Never throws. */
async function post(url: string, body: string, secret: string, deliveryId: string) {
  try {
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": "Relaywatch-Webhook/1",
        [DELIVERY_HEADER]: deliveryId,
        ...(await signBody(secret, body)),
      },
      // A redirect is not followed: it would lead past the checks the URL passed when stored.
      redirect: "manual",
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? null : `the receiver answered HTTP ${response.status}`;
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    if (timedOut) return `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`;
    return `could not be reached (${error instanceof Error ? error.message : String(error)})`;
  }
}

type Attempt = { kind: "done" } | { kind: "retry"; delaySeconds: number };

/** Makes one attempt at a pending delivery and records how it went. */
async function attemptDelivery(
  db: Database,
  env: CoordinatorEnv,
  delivery: WebhookDeliveryRow,
  now: number,
): Promise<Attempt> {
  const payload = await webhookPayload(db, delivery, env.PUBLIC_ORIGIN);
  if (payload === null) {
    await recordFailedAttempt(db, delivery, "the check or batch no longer exists", null);
    return { kind: "done" };
  }
  let failure: string | null;
  try {
    const secret = await webhookSecretFor(env, delivery.apiKeyId);
    failure = await post(delivery.url, JSON.stringify(payload), secret, delivery.id);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  if (failure === null) {
    await markDelivered(db, delivery, now);
    return { kind: "done" };
  }
  const delaySeconds = retryDelaySeconds(delivery.attempts + 1);
  await recordFailedAttempt(
    db,
    delivery,
    failure,
    delaySeconds === null ? null : now + delaySeconds * 1000,
  );
  return delaySeconds === null ? { kind: "done" } : { kind: "retry", delaySeconds };
}

/** Consumes webhook deliveries: a failed call comes back after its back-off delay. */
export async function webhookQueueHandler(
  batch: MessageBatch<unknown>,
  env: CoordinatorEnv,
): Promise<void> {
  const db = openDatabase(env.DB);
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = WebhookMessage.safeParse(message.body);
      if (!parsed.success) {
        console.error("dropping a malformed webhook message", message.id);
        message.ack();
        return;
      }
      try {
        const delivery = await findDelivery(db, parsed.data.deliveryId);
        if (delivery?.status !== "pending") {
          message.ack();
          return;
        }
        const attempt = await attemptDelivery(db, env, delivery, Date.now());
        if (attempt.kind === "retry") message.retry({ delaySeconds: attempt.delaySeconds });
        else message.ack();
      } catch (error) {
        console.error("webhook delivery could not be recorded, will retry", error);
        message.retry({ delaySeconds: STORAGE_RETRY_SECONDS });
      }
    }),
  );
}
