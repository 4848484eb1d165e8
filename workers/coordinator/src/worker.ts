import { pruneMinuteCounters } from "./access/anonymous.ts";
import { createApp } from "./app.ts";
import { recheckBadgeDomains } from "./badge/recheck.ts";
import { onCheckFinished, sweepBatches } from "./batches/on-check-finished.ts";
import { batchQueueHandler } from "./batches/queue.ts";
import { decideCheck } from "./checks/decide.ts";
import { probeQueueHandler } from "./checks/probe-queue.ts";
import { finishCheckIfComplete, openDatabase, overdueChecks } from "./db/repository.ts";
import { ConfigError, type CoordinatorConfig, type CoordinatorEnv, readConfig } from "./env.ts";
import { backfillEvidence } from "./evidence/backfill.ts";
import { sweepRetention } from "./evidence/retention.ts";
import { checkNodeHealth } from "./nodes/health.ts";
import { checkNodeBlocklists } from "./probes/blocklists.ts";
import { type CanaryMessage, receiveCanaryEmail } from "./proof/email.ts";
import { sweepProofs } from "./proof/sweep.ts";
import { webhookQueueHandler } from "./webhooks/queue.ts";

const SWEEP_BATCH = 50;

type QueueHandler = (
  batch: MessageBatch<unknown>,
  env: CoordinatorEnv,
  config: CoordinatorConfig,
) => Promise<void>;

/**
 * Which handler consumes which queue (queue names as in wrangler.toml). An unknown queue is an
 * error, never another queue's consumer: that one would drop every message it cannot parse.
 */
const QUEUE_HANDLERS = new Map<string, QueueHandler>([
  ["relaywatch-probe-jobs", probeQueueHandler],
  ["relaywatch-batch-jobs", batchQueueHandler],
  ["relaywatch-webhooks", webhookQueueHandler],
]);

/** Work the cron trigger does besides finishing overdue checks. */
const SCHEDULED_TASKS: ((
  env: CoordinatorEnv,
  now: number,
  config: CoordinatorConfig,
) => Promise<unknown>)[] = [
  // First, so the re-checks below are planned on nodes known to be up.
  checkNodeHealth,
  recheckBadgeDomains,
  sweepBatches,
  sweepProofs,
  pruneMinuteCounters,
  sweepRetention,
  backfillEvidence,
  checkNodeBlocklists,
];

/**
 * The configuration of a queue, cron or email invocation. A bad one is logged as the API
 * answers it (503 misconfigured) and thrown: queue messages are retried, mail is not accepted.
 */
function configOrLog(env: CoordinatorEnv): CoordinatorConfig {
  try {
    return readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) console.error(`configuration invalid: ${error.message}`);
    throw error;
  }
}

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
      _ctx: ExecutionContext,
    ): Promise<void> {
      const handler = QUEUE_HANDLERS.get(batch.queue);
      if (handler === undefined) {
        // Thrown, the batch is retried, then dead-lettered by the platform: never acknowledged.
        console.error(`no consumer for queue ${batch.queue}: wrangler.toml and worker.ts differ`);
        throw new Error(`no consumer for queue ${batch.queue}`);
      }
      await handler(batch, env, configOrLog(env));
    },
    async scheduled(_controller: ScheduledController, env: CoordinatorEnv): Promise<void> {
      const config = configOrLog(env);
      const db = openDatabase(env.DB);
      const now = Date.now();
      for (const id of await overdueChecks(db, now, SWEEP_BATCH)) {
        const finished = await finishCheckIfComplete(
          db,
          id,
          now,
          decideCheck,
          config.proofWindowMs,
        );
        if (finished) await onCheckFinished(env, finished);
      }
      for (const task of SCHEDULED_TASKS) await task(env, now, config);
    },
    async email(message: CanaryMessage, env: CoordinatorEnv): Promise<void> {
      await receiveCanaryEmail(message, env, configOrLog(env), Date.now());
    },
  } satisfies ExportedHandler<CoordinatorEnv>;
}
