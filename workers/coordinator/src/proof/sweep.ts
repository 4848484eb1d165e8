import { openDatabase } from "../db/client.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { checksAwaitingProofWindow, expireProofs, openProofWindow } from "./state.ts";

const WINDOWS_PER_SWEEP = 50;

/**
 * Scheduled: opens the window of finished checks whose finish did not get to it, and turns every
 * `pending` proof past its deadline into `unconfirmed`. Readers do the latter lazily too.
 */
export async function sweepProofs(
  env: CoordinatorEnv,
  now: number,
  config: CoordinatorConfig,
): Promise<void> {
  const db = openDatabase(env.DB);
  for (const checkId of await checksAwaitingProofWindow(db, WINDOWS_PER_SWEEP)) {
    await openProofWindow(db, checkId, now, config.proofWindowMs);
  }
  await expireProofs(db, now);
}
