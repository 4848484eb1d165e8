import type { PackedCase } from "../db/case-outcomes.ts";
import type { CanaryDeliveryRow, CheckRow } from "../db/schema.ts";

export type DeliveryStatus = "confirmed" | "pending" | "not-delivered";

/** What became of one case's canary message, as the API and the page show it. */
export interface CaseDelivery {
  status: DeliveryStatus;
  receivedAt: string | null;
  /** The `Received:` header values of the arrived message, top (last hop) first. */
  receivedChain: string[];
  /** The envelope sender the relay used. */
  mailFrom: string | null;
  /** The hop that handed the message to our canary mail server, as that server recorded it. */
  handedOverBy: string | null;
}

/**
 * A case's delivery: confirmed when its message arrived; otherwise, for an accepted case whose
 * message the probe sent, pending while the check's window is open and
 * not-delivered after it. Null when no message was sent for the case.
 */
export function caseDelivery(
  row: PackedCase,
  check: Pick<CheckRow, "proof" | "proofDeadlineAt">,
  arrived: CanaryDeliveryRow | undefined,
  now: number,
): CaseDelivery | null {
  if (arrived) {
    return {
      status: "confirmed",
      receivedAt: new Date(arrived.receivedAt).toISOString(),
      receivedChain: arrived.receivedChain,
      mailFrom: arrived.mailFrom,
      handedOverBy: arrived.handedOverBy,
    };
  }
  if (check.proof === null || row.outcome !== "accepted" || !row.messageSent) return null;
  const windowOpen =
    check.proof === "requested" ||
    (check.proofDeadlineAt !== null &&
      now <= check.proofDeadlineAt &&
      check.proof !== "unconfirmed");
  return {
    status: windowOpen ? "pending" : "not-delivered",
    receivedAt: null,
    receivedChain: [],
    mailFrom: null,
    handedOverBy: null,
  };
}
