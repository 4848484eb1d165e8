import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type WebhookDeliveryRow, webhookDeliveries } from "../db/schema.ts";
import type { CoordinatorEnv } from "../env.ts";
import type { WebhookMessage } from "./messages.ts";

export interface WebhookSubject {
  kind: "check" | "batch";
  id: string;
  url: string;
  apiKeyId: string | null;
}

/** One delivery per subject: the id says which, so a second enqueue of it is a no-op. */
export function deliveryIdFor(subject: Pick<WebhookSubject, "kind" | "id">): string {
  return `${subject.kind}-${subject.id}`;
}

/**
 * Records a pending delivery and queues its first attempt. Returns false when the subject
 * already had one: whoever finishes a check or batch may call this more than once.
 */
export async function enqueueWebhook(
  db: Database,
  queue: CoordinatorEnv["WEBHOOK_QUEUE"],
  subject: WebhookSubject,
  now: number,
): Promise<boolean> {
  const id = deliveryIdFor(subject);
  const inserted = await db
    .insert(webhookDeliveries)
    .values({
      id,
      subjectKind: subject.kind,
      subjectId: subject.id,
      url: subject.url,
      apiKeyId: subject.apiKeyId,
      status: "pending",
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
    })
    .onConflictDoNothing({ target: webhookDeliveries.id })
    .returning({ id: webhookDeliveries.id });
  if (inserted.length === 0) return false;
  const message: WebhookMessage = { deliveryId: id };
  await queue.send(message);
  return true;
}

export async function findDelivery(db: Database, id: string): Promise<WebhookDeliveryRow | null> {
  return (
    (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get()) ?? null
  );
}

/** Guarded on the attempt count read before the call, so a duplicate message counts once. */
function pendingAt(delivery: WebhookDeliveryRow) {
  return and(
    eq(webhookDeliveries.id, delivery.id),
    eq(webhookDeliveries.status, "pending"),
    eq(webhookDeliveries.attempts, delivery.attempts),
  );
}

export async function markDelivered(
  db: Database,
  delivery: WebhookDeliveryRow,
  now: number,
): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: "delivered", attempts: delivery.attempts + 1, deliveredAt: now })
    .where(pendingAt(delivery));
}

/**
 * Records a failed attempt: still pending with the time of the next one, or `failed` when
 * `nextAttemptAt` is null because no attempt is left.
 */
export async function recordFailedAttempt(
  db: Database,
  delivery: WebhookDeliveryRow,
  error: string,
  nextAttemptAt: number | null,
): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({
      status: nextAttemptAt === null ? "failed" : "pending",
      attempts: delivery.attempts + 1,
      lastError: error.slice(0, 500),
      nextAttemptAt: nextAttemptAt ?? delivery.nextAttemptAt,
    })
    .where(pendingAt(delivery));
}
