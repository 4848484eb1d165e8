import { onCheckFinished } from "../batches/on-check-finished.ts";
import {
  type CheckView,
  type Database,
  finishCheckIfComplete,
  getCheckView,
} from "../db/repository.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { expireProofs } from "../proof/state.ts";
import { decideCheck } from "./decide.ts";

/**
 * A check as a reader should see it. A check past its deadline is finished here, and a proof past
 * its window turns "unconfirmed" here, so no reader (API or page) ever sees either still pending
 * before the sweeper runs; whatever follows a finish (batch progress, webhooks) happens too.
 */
export async function readCheck(
  env: CoordinatorEnv,
  config: Pick<CoordinatorConfig, "proofWindowMs">,
  db: Database,
  id: string,
): Promise<CheckView | null> {
  const finished = await finishCheckIfComplete(
    db,
    id,
    Date.now(),
    decideCheck,
    config.proofWindowMs,
  );
  if (finished) await onCheckFinished(env, finished);
  await expireProofs(db, Date.now(), id);
  return getCheckView(db, id, env.EVIDENCE);
}
