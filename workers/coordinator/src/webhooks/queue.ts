import { signBody } from "../../../../shared/auth/hmac.ts";
import { DnsError } from "../../../../shared/dns/resolver.ts";
import { type Database, openDatabase } from "../db/repository.ts";
import type { WebhookDeliveryRow } from "../db/schema.ts";
import { resolverFor } from "../dns/resolver-for.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { parseQueueBody } from "../queue-body.ts";
import { retryDelaySeconds } from "./backoff.ts";
import { findDelivery, markDelivered, recordFailedAttempt } from "./deliveries.ts";
import { refusalOfWebhookHost, type WebhookHostPolicy } from "./host-guard.ts";
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

interface HostProblem {
  reason: string;
  /** No retry: see hostProblemAtDelivery. */
  permanent: boolean;
}

/**
 * Where the webhook's host name leads now, checked again right before the call: the DNS answer
 * checked at submission may have changed since (DNS rebinding: public then, 10.0.0.5 now).
 * fetch() resolves the name once more by itself, so a record flipped between the two lookups
 * still gets through here; on Cloudflare that is harmless, as Workers cannot reach private
 * networks at all. This check is the defence on other runtimes, and the early, clear error
 * for the receiver's owner everywhere.
 *
 * A forbidden address is a permanent failure, with no retry: the name's owner pointed it there,
 * no retry can pass the check until they change it, and each would be one more attempt to make
 * us call inside a network. A name that stopped resolving, or a DNS lookup that failed, is
 * retried like a receiver that could not be reached: the name resolved at submission, and
 * outages pass.
 */
async function hostProblemAtDelivery(
  url: string,
  policy: WebhookHostPolicy,
): Promise<HostProblem | null> {
  try {
    const refusal = await refusalOfWebhookHost(url, policy);
    if (refusal === null) return null;
    return { reason: refusal.message, permanent: refusal.kind === "forbidden" };
  } catch (error) {
    if (error instanceof DnsError) return { reason: error.message, permanent: false };
    throw error;
  }
}

/** Signs and POSTs the payload; null when the receiver took it, else why not. */
async function send(
  config: Pick<CoordinatorConfig, "webhookSigningSecret">,
  delivery: WebhookDeliveryRow,
  payload: Record<string, unknown>,
): Promise<string | null> {
  try {
    const secret = await webhookSecretFor(config, delivery.apiKeyId);
    return await post(delivery.url, JSON.stringify(payload), secret, delivery.id);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Makes one attempt at a pending delivery and records how it went. */
async function attemptDelivery(
  db: Database,
  config: CoordinatorConfig,
  hostPolicy: WebhookHostPolicy,
  delivery: WebhookDeliveryRow,
  now: number,
): Promise<Attempt> {
  const payload = await webhookPayload(db, delivery, config.publicOrigin, now);
  if (payload === null) {
    await recordFailedAttempt(db, delivery, "the check or batch no longer exists", null);
    return { kind: "done" };
  }
  const hostProblem = await hostProblemAtDelivery(delivery.url, hostPolicy);
  if (hostProblem?.permanent) {
    await recordFailedAttempt(db, delivery, hostProblem.reason, null);
    return { kind: "done" };
  }
  const failure = hostProblem?.reason ?? (await send(config, delivery, payload));
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
  config: CoordinatorConfig,
): Promise<void> {
  const db = openDatabase(env.DB);
  const hostPolicy: WebhookHostPolicy = {
    resolver: resolverFor(config),
    allowLoopback: config.allowLoopback,
  };
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = parseQueueBody(message, WebhookMessage, "webhook");
      if (body === null) return;
      try {
        const delivery = await findDelivery(db, body.deliveryId);
        if (delivery?.status !== "pending") {
          message.ack();
          return;
        }
        const attempt = await attemptDelivery(db, config, hostPolicy, delivery, Date.now());
        if (attempt.kind === "retry") message.retry({ delaySeconds: attempt.delaySeconds });
        else message.ack();
      } catch (error) {
        console.error("webhook delivery could not be recorded, will retry", error);
        message.retry({ delaySeconds: STORAGE_RETRY_SECONDS });
      }
    }),
  );
}
