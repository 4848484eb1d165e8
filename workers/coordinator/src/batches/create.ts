import type { CreateBatchRequest } from "../../../../shared/schemas/batch.ts";
import { chunk } from "../db/batch.ts";
import { openDatabase } from "../db/repository.ts";
import type { CoordinatorEnv } from "../env.ts";
import { BadRequest } from "../errors.ts";
import { batchItemsFor } from "./items.ts";
import { type BatchSliceMessage, DOMAINS_PER_SLICE } from "./messages.ts";
import { insertBatch } from "./store.ts";

/** Queues accept at most 100 messages per sendBatch call. */
const MESSAGES_PER_SEND = 100;

export interface CreatedBatch {
  id: string;
  total: number;
}

/**
 * Stores a batch and its items, then queues its valid items in slices: the request itself
 * starts no check, so a thousand domains cost one D1 batch and a few queue sends here.
 */
export async function createBatch(
  env: CoordinatorEnv,
  request: CreateBatchRequest,
  options: { apiKeyId: string | null; webhookUrl: string | null },
): Promise<CreatedBatch> {
  const items = batchItemsFor(request);
  const queued = items.filter((item) => item.status === "queued");
  if (queued.length === 0) {
    throw new BadRequest(
      "invalid_domains",
      `no valid domain in the batch; the first: ${items[0]?.error ?? "none given"}`,
    );
  }
  const id = crypto.randomUUID();
  await insertBatch(
    openDatabase(env.DB),
    {
      id,
      apiKeyId: options.apiKeyId,
      status: "queued",
      total: items.length,
      port: request.port ?? null,
      webhookUrl: options.webhookUrl,
      createdAt: Date.now(),
      finishedAt: null,
    },
    items,
  );
  const slices = chunk(
    queued.map((item) => item.position),
    DOMAINS_PER_SLICE,
  ).map((positions): { body: BatchSliceMessage } => ({ body: { batchId: id, positions } }));
  for (const messages of chunk(slices, MESSAGES_PER_SEND)) {
    await env.BATCH_QUEUE.sendBatch(messages);
  }
  return { id, total: items.length };
}
