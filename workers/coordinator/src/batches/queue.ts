import type { Resolver } from "../../../../shared/dns/resolver.ts";
import { releaseDailyChecks, utcDay } from "../access/usage.ts";
import { startCheck } from "../checks/start.ts";
import { type Database, openDatabase } from "../db/repository.ts";
import { resolverFor } from "../dns/resolver-for.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { ApiException } from "../errors.ts";
import { parseQueueBody } from "../queue-body.ts";
import { BatchSliceMessage } from "./messages.ts";
import { completeBatch } from "./on-check-finished.ts";
import { itemPort } from "./port.ts";
import {
  findBatch,
  itemsAtPositions,
  markBatchRunning,
  markItemRefused,
  markItemStarted,
} from "./store.ts";

/** Storage or DNS trouble is not the domain's fault: the slice comes back and resumes. */
const RETRY_DELAY_SECONDS = 30;

/**
 * The key a batch item's check is stored under. It contains spaces, which the Idempotency-Key
 * header may not, so no API caller can claim an item's check before the batch starts it.
 */
function batchIdempotencyKey(batchId: string, position: number): string {
  return `batch ${batchId} ${position}`;
}

/**
 * Starts the checks of one slice. Items already started or refused are skipped, and each start
 * carries an idempotency key of (batch, position), so a slice redelivered after a partial run
 * neither starts a check twice nor loses one it started before the item row was updated.
 */
async function startSlice(
  db: Database,
  env: CoordinatorEnv,
  config: CoordinatorConfig,
  resolver: Resolver,
  slice: BatchSliceMessage,
): Promise<void> {
  const batch = await findBatch(db, slice.batchId);
  if (!batch) return;
  await markBatchRunning(db, batch.id);
  const items = await itemsAtPositions(db, batch.id, slice.positions);
  for (const item of items.filter((candidate) => candidate.status === "queued")) {
    try {
      const { check } = await startCheck(
        env,
        config,
        resolver,
        { domain: item.domain, port: itemPort(item.port, batch.port) },
        {
          apiKeyId: batch.apiKeyId,
          batchId: batch.id,
          idempotencyKey: batchIdempotencyKey(batch.id, item.position),
        },
      );
      await markItemStarted(db, batch.id, item.position, check.id);
    } catch (error) {
      // What would refuse a single check refuses only this item: a domain without mail, or
      // its addresses or port forbidden by the guard (planCheck's forbidden_target).
      if (!(error instanceof ApiException)) throw error;
      const refused = await markItemRefused(
        db,
        batch.id,
        item.position,
        `${error.code}: ${error.message}`,
      );
      // The batch took this item from the key's quota up front; a refused item used none.
      if (refused && batch.apiKeyId !== null) {
        await releaseDailyChecks(env.DB, batch.apiKeyId, utcDay(batch.createdAt), 1);
      }
    }
  }
  // A slice of refusals, or checks that finished before their item was marked, may have been
  // the batch's last work: nobody else would notice.
  await completeBatch(env, batch.id);
}

/** Consumes batch slices (queue relaywatch-batch-jobs). */
export async function batchQueueHandler(
  batch: MessageBatch<unknown>,
  env: CoordinatorEnv,
  config: CoordinatorConfig,
): Promise<void> {
  const resolver = resolverFor(config);
  const db = openDatabase(env.DB);
  for (const message of batch.messages) {
    const body = parseQueueBody(message, BatchSliceMessage, "batch");
    if (body === null) continue;
    try {
      await startSlice(db, env, config, resolver, body);
      message.ack();
    } catch (error) {
      console.error("batch slice failed, will retry", error);
      message.retry({ delaySeconds: RETRY_DELAY_SECONDS });
    }
  }
}
