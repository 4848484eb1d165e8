import type { Resolver } from "../../../../shared/dns/resolver.ts";
import { cooldownSince, recentContact } from "../access/cooldown.ts";
import { releaseDailyChecks, utcDay } from "../access/usage.ts";
import { planFor, startPlannedCheck } from "../checks/start.ts";
import {
  contactsOf,
  type Database,
  findCheckByIdempotencyKey,
  openDatabase,
  TargetBusy,
} from "../db/repository.ts";
import type { BatchItemRow, BatchRow } from "../db/schema.ts";
import { resolverFor } from "../dns/resolver-for.ts";
import { type CoordinatorConfig, type CoordinatorEnv, readConfig } from "../env.ts";
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

/** Starts the checks of one slice; items already started or refused are skipped. */
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
    // Checked before every item: a key revoked while its batch runs starts nothing more.
    if (batch.apiKeyId !== null && (await isRevoked(env.DB, batch.apiKeyId))) {
      await markItemRefused(db, batch.id, item.position, REVOKED);
      continue;
    }
    try {
      const checkId = await startItem(env, config, resolver, batch, item);
      await markItemStarted(db, batch.id, item.position, checkId);
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

const REVOKED =
  "api_key_revoked: the API key of this batch was revoked; its remaining items were not started";

async function isRevoked(db: D1Database, apiKeyId: string): Promise<boolean> {
  const row = await db
    .prepare("select revoked_at from api_keys where id = ?")
    .bind(apiKeyId)
    .first<{ revoked_at: number | null }>();
  return row === null || row.revoked_at !== null;
}

/**
 * The check of one item: planned like any other, and under the key holders' cool-down, judged
 * on the (address, port) pairs it would contact. An item whose target was checked within it gets
 * that existing check (its report), so a batch never probes a server again right away. Each start
 * carries an idempotency key of (batch, position): a slice redelivered after a partial run
 * neither starts a check twice nor loses one it started before the item row was updated.
 */
async function startItem(
  env: CoordinatorEnv,
  config: CoordinatorConfig,
  resolver: Resolver,
  batch: BatchRow,
  item: BatchItemRow,
): Promise<string> {
  const db = openDatabase(env.DB);
  const idempotencyKey = batchIdempotencyKey(batch.id, item.position);
  const replayed = await findCheckByIdempotencyKey(db, idempotencyKey);
  if (replayed) return replayed.id;
  const request = { domain: item.domain, port: itemPort(item.port, batch.port) };
  const plan = await planFor(env, config, resolver, request);
  const contacts = {
    addresses: contactsOf(plan.vantages).map((contact) => contact.address),
    port: plan.port,
  };
  const now = Date.now();
  const quietSince = cooldownSince(env, true, now);
  const recent = quietSince === null ? null : await recentContact(db, contacts, quietSince);
  if (recent) return recent.checkId;
  try {
    const { check } = await startPlannedCheck(env, config, plan, request, {
      apiKeyId: batch.apiKeyId,
      batchId: batch.id,
      idempotencyKey,
      quietSince,
    });
    return check.id;
  } catch (error) {
    if (!(error instanceof TargetBusy) || quietSince === null) throw error;
    const winner = await recentContact(db, contacts, quietSince);
    if (!winner) throw error;
    return winner.checkId;
  }
}

/** Consumes batch slices (queue relaywatch-batch-jobs). */
export async function batchQueueHandler(
  batch: MessageBatch<unknown>,
  env: CoordinatorEnv,
): Promise<void> {
  const config = readConfig(env);
  const resolver = resolverFor(env);
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
