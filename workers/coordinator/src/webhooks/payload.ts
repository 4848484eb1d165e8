import {
  provenVerdict,
  publicProofState,
  verdictLabel,
} from "../../../../shared/verdict/verdict-label.ts";
import { countBatch, findBatch } from "../batches/store.ts";
import type { Database } from "../db/client.ts";
import { findCheck } from "../db/repository.ts";
import type { WebhookDeliveryRow } from "../db/schema.ts";
import { expireProofs } from "../proof/state.ts";

/** Links in payloads are absolute when PUBLIC_ORIGIN is set, else paths on the API's origin. */
function link(origin: string | null, path: string): string {
  return `${origin ?? ""}${path}`;
}

/**
 * The JSON body of a delivery, built from what is stored when it is sent: a compact summary
 * with a link to the full report rather than the report itself, which can be megabytes of
 * transcript. Null when the subject no longer exists.
 *
 * `check.finished` carries `verdict`, `verdictLabel` and `proof` as GET /api/v1/checks/{id}
 * shows them. A check with proof finishes with `proof: "pending"` while it waits for the canary
 * message: that is not the final word, which comes later in the report (`confirmed` or
 * `unconfirmed`); no second webhook is sent for it.
 */
export async function webhookPayload(
  db: Database,
  delivery: WebhookDeliveryRow,
  origin: string | null,
  now: number,
): Promise<Record<string, unknown> | null> {
  if (delivery.subjectKind === "check") {
    // A retry can be sent after the proof window closed: settle it as a reader of the API would.
    await expireProofs(db, now, delivery.subjectId);
    const check = await findCheck(db, delivery.subjectId);
    if (!check) return null;
    return {
      event: "check.finished",
      deliveryId: delivery.id,
      id: check.id,
      target: check.target,
      port: check.port,
      status: check.status,
      verdict: provenVerdict(check.verdict, check.proof),
      verdictLabel: verdictLabel(check.verdict, check.proof),
      proof: publicProofState(check.proof),
      reason: check.reason,
      finishedAt: check.finishedAt ? new Date(check.finishedAt).toISOString() : null,
      report: link(origin, `/api/v1/checks/${check.id}`),
    };
  }
  const batch = await findBatch(db, delivery.subjectId);
  if (!batch) return null;
  return {
    event: "batch.finished",
    deliveryId: delivery.id,
    id: batch.id,
    total: batch.total,
    counts: await countBatch(db, batch.id),
    finishedAt: batch.finishedAt ? new Date(batch.finishedAt).toISOString() : null,
    results: link(origin, `/api/v1/batches/${batch.id}`),
  };
}
