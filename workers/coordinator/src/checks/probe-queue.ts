import { openDatabase } from "../db/repository.ts";
import type { CoordinatorEnv } from "../env.ts";
import { readConfig } from "../env.ts";
import { parseQueueBody } from "../queue-body.ts";
import { runVantageJob } from "./dispatch.ts";
import { ProbeMessage } from "./messages.ts";

/** Consumes probe jobs; the jobs of one check arrive together and run at once. */
export async function probeQueueHandler(
  batch: MessageBatch<unknown>,
  env: CoordinatorEnv,
): Promise<void> {
  const config = readConfig(env);
  const db = openDatabase(env.DB);
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = parseQueueBody(message, ProbeMessage, "probe");
      if (body === null) return;
      try {
        await runVantageJob(db, config, body, env as unknown as Record<string, unknown>);
        message.ack();
      } catch (error) {
        console.error("probe job failed, will retry", error);
        message.retry({ delaySeconds: 5 });
      }
    }),
  );
}
