import { pruneAnonymousUsage } from "./access/anonymous.ts";
import { createApp } from "./app.ts";
import { recheckBadgeDomains } from "./badge/recheck.ts";
import { onCheckFinished, sweepBatches } from "./batches/on-check-finished.ts";
import { batchQueueHandler } from "./batches/queue.ts";
import { decideCheck } from "./checks/decide.ts";
import { probeQueueHandler } from "./checks/probe-queue.ts";
import { finishCheckIfComplete, openDatabase, overdueChecks } from "./db/repository.ts";
import type { CoordinatorEnv } from "./env.ts";
import { backfillEvidence } from "./evidence/backfill.ts";
import { sweepRetention } from "./evidence/retention.ts";
import { checkNodeHealth } from "./nodes/health.ts";
import { checkNodeBlocklists } from "./probes/blocklists.ts";
import { type CanaryMessage, receiveCanaryEmail } from "./proof/email.ts";
import { proofWindowMs } from "./proof/policy.ts";
import { sweepProofs } from "./proof/sweep.ts";
import { webhookQueueHandler } from "./webhooks/queue.ts";

const SWEEP_BATCH = 50;

export type QueueHandler = (
  batch: MessageBatch<unknown>,
  env: CoordinatorEnv,
  ctx: ExecutionContext,
) => Promise<void>;

/** Which handler consumes which queue (queue names as in wrangler.toml). */
const QUEUE_HANDLERS: Record<string, QueueHandler> = {
  "relaywatch-probe-jobs": probeQueueHandler,
  "relaywatch-batch-jobs": batchQueueHandler,
  "relaywatch-webhooks": webhookQueueHandler,
};

/** Work the cron trigger does besides finishing overdue checks. */
const SCHEDULED_TASKS: ((env: CoordinatorEnv, now: number) => Promise<unknown>)[] = [
  // First, so the re-checks below are planned on nodes known to be up.
  checkNodeHealth,
  recheckBadgeDomains,
  sweepBatches,
  sweepProofs,
  pruneAnonymousUsage,
  sweepRetention,
  backfillEvidence,
  checkNodeBlocklists,
];

/**
 * The coordinator Worker: the API and page, the queue consumers, the scheduled work, and the
 * canary mailbox (Email Routing's catch-all on the canary domain).
 */
export function createCoordinator() {
  const app = createApp();
  return {
    fetch: app.fetch,
    async queue(
      batch: MessageBatch<unknown>,
      env: CoordinatorEnv,
      ctx: ExecutionContext,
    ): Promise<void> {
      const handler = QUEUE_HANDLERS[batch.queue] ?? probeQueueHandler;
      await handler(batch, env, ctx);
    },
    async scheduled(_controller: ScheduledController, env: CoordinatorEnv): Promise<void> {
      const db = openDatabase(env.DB);
      const now = Date.now();
      for (const id of await overdueChecks(db, now, SWEEP_BATCH)) {
        const finished = await finishCheckIfComplete(db, id, now, decideCheck, proofWindowMs(env));
        if (finished) await onCheckFinished(env, finished);
      }
      for (const task of SCHEDULED_TASKS) await task(env, now);
    },
    async email(message: CanaryMessage, env: CoordinatorEnv): Promise<void> {
      await receiveCanaryEmail(message, env, Date.now());
    },
  } satisfies ExportedHandler<CoordinatorEnv>;
}
