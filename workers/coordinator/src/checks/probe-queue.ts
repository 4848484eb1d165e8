import { openDatabase } from "../db/repository.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { parseQueueBody } from "../queue-body.ts";
import { runVantageJob, SLOT_WAIT_SECONDS } from "./dispatch.ts";
import { ProbeMessage } from "./messages.ts";

/**
 * Consumes probe jobs; the jobs of one check arrive together and run at once. A job whose node
 * has no free slot goes back on the queue as a new message, delayed: a retry would count
 * against max_retries, and a waiting job must never be dropped.
 */
export async function probeQueueHandler(
  batch: MessageBatch<unknown>,
  env: CoordinatorEnv,
  config: CoordinatorConfig,
): Promise<void> {
  const db = openDatabase(env.DB);
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = parseQueueBody(message, ProbeMessage, "probe");
      if (body === null) return;
      try {
        const outcome = await runVantageJob(db, env, config, body);
        if (outcome === "wait") {
          await env.PROBE_QUEUE.send(body, { delaySeconds: SLOT_WAIT_SECONDS });
        }
        message.ack();
      } catch (error) {
        console.error("probe job failed, will retry", error);
        message.retry({ delaySeconds: 5 });
      }
    }),
  );
}
