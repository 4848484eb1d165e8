import { openDatabase } from "../db/repository.ts";
import type { CheckRow } from "../db/schema.ts";
import type { CoordinatorEnv } from "../env.ts";
import { enqueueWebhook } from "../webhooks/deliveries.ts";
import { finishBatchIfComplete, markItemDone, unfinishedBatchIds } from "./store.ts";

/**
 * Marks the batch done if nothing is left to wait for, and queues its webhook. Safe to call at
 * any time and from anywhere: only the call that finishes the batch queues the webhook.
 */
export async function completeBatch(env: CoordinatorEnv, batchId: string): Promise<void> {
  const db = openDatabase(env.DB);
  const finished = await finishBatchIfComplete(db, batchId, Date.now());
  if (!finished?.batch.webhookUrl) return;
  await enqueueWebhook(
    db,
    env.WEBHOOK_QUEUE,
    {
      kind: "batch",
      id: finished.batch.id,
      url: finished.batch.webhookUrl,
      apiKeyId: finished.batch.apiKeyId,
    },
    Date.now(),
  );
}

/**
 * What follows a check's finish, called by whoever finished it (finishCheckIfComplete hands
 * the check to exactly one caller): its own webhook and its batch's progress (the finish
 * itself opened the waiting window of its delivery proof). Failures are
 * logged, not thrown: the check is finished either way, and the caller (a probe job, a reader)
 * has nothing to retry. A batch missed here is caught up by the sweeper (sweepBatches).
 */
export async function onCheckFinished(env: CoordinatorEnv, check: CheckRow): Promise<void> {
  const db = openDatabase(env.DB);
  const { webhookUrl, batchId } = check;
  if (webhookUrl) {
    await logFailure(`the webhook of check ${check.id}`, () =>
      enqueueWebhook(
        db,
        env.WEBHOOK_QUEUE,
        { kind: "check", id: check.id, url: webhookUrl, apiKeyId: check.apiKeyId },
        Date.now(),
      ),
    );
  }
  if (batchId) {
    await logFailure(`batch ${batchId} after check ${check.id}`, async () => {
      await markItemDone(db, check.id);
      await completeBatch(env, batchId);
    });
  }
}

async function logFailure(what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    console.error(`could not update ${what}`, error);
  }
}

const BATCHES_PER_SWEEP = 20;

/** Scheduled: finishes batches whose completion no check saw (a failed hook, a lost message). */
export async function sweepBatches(env: CoordinatorEnv): Promise<void> {
  const db = openDatabase(env.DB);
  for (const batchId of await unfinishedBatchIds(db, BATCHES_PER_SWEEP)) {
    await completeBatch(env, batchId);
  }
}
