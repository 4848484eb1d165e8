import { onCheckFinished } from "../batches/on-check-finished.ts";
import {
  type CheckView,
  type Database,
  finishCheckIfComplete,
  getCheckView,
} from "../db/repository.ts";
import type { CoordinatorEnv } from "../env.ts";
import { nodesListedAt } from "../probes/listings.ts";
import { proofWindowMs } from "../proof/policy.ts";
import { expireProofs } from "../proof/state.ts";
import { decideCheck } from "./decide.ts";

/** A check as readers show it, with the nodes that were on a blocklist when it ran. */
export interface ReadView extends CheckView {
  /** Node id -> the blocklist zones it was listed on when the check was created. */
  listedNodes: ReadonlyMap<string, string[]>;
}

/**
 * A check as a reader should see it. A check past its deadline is finished here, and a proof past
 * its window turns "unconfirmed" here, so no reader (API or page) ever sees either still pending
 * before the sweeper runs; whatever follows a finish (batch progress, webhooks) happens too.
 */
export async function readCheck(
  env: CoordinatorEnv,
  db: Database,
  id: string,
): Promise<ReadView | null> {
  const finished = await finishCheckIfComplete(db, id, Date.now(), decideCheck, proofWindowMs(env));
  if (finished) await onCheckFinished(env, finished);
  await expireProofs(db, Date.now(), id);
  const view = await getCheckView(db, id, env.EVIDENCE);
  if (view === null) return null;
  const nodeIds = view.mxHosts.flatMap((host) =>
    host.addresses.flatMap((address) => address.vantages.map((vantage) => vantage.nodeId)),
  );
  return { ...view, listedNodes: await nodesListedAt(db, nodeIds, view.check.createdAt) };
}
