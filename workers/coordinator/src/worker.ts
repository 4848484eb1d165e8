import { createApp } from "./app.ts";
import { decideCheck } from "./checks/decide.ts";
import { runVantageJob } from "./checks/dispatch.ts";
import { ProbeMessage } from "./checks/messages.ts";
import { finishCheckIfComplete, openDatabase, overdueChecks } from "./db/repository.ts";
import type { CoordinatorEnv } from "./env.ts";
import { readConfig } from "./env.ts";

const SWEEP_BATCH = 50;

/** The coordinator Worker: the API, the queue consumer that runs probe jobs, the sweeper. */
export function createCoordinator() {
  const app = createApp();
  return {
    fetch: app.fetch,
    async queue(batch: MessageBatch<unknown>, env: CoordinatorEnv): Promise<void> {
      const config = readConfig(env);
      const db = openDatabase(env.DB);
      // The jobs of one check arrive together: run them at once, one per vantage.
      await Promise.all(
        batch.messages.map(async (message) => {
          const parsed = ProbeMessage.safeParse(message.body);
          if (!parsed.success) {
            console.error("dropping a malformed probe message", message.id);
            message.ack();
            return;
          }
          try {
            await runVantageJob(db, config, parsed.data, env as unknown as Record<string, unknown>);
            message.ack();
          } catch (error) {
            console.error("probe job failed, will retry", error);
            message.retry({ delaySeconds: 5 });
          }
        }),
      );
    },
    async scheduled(_controller: ScheduledController, env: CoordinatorEnv): Promise<void> {
      const db = openDatabase(env.DB);
      const now = Date.now();
      for (const id of await overdueChecks(db, now, SWEEP_BATCH)) {
        await finishCheckIfComplete(db, id, now, decideCheck);
      }
    },
  } satisfies ExportedHandler<CoordinatorEnv>;
}
