import type { CaseOutcome } from "../../../../shared/schemas/probe-result.ts";

/** One symbol per cell: what a reader needs from a case, not every reply class. */
export type CellOutcome = "refused" | "accepted" | "delivered" | "untested" | "unanswered";
export const CELL_OUTCOMES: readonly CellOutcome[] = [
  "accepted",
  "delivered",
  "refused",
  "untested",
  "unanswered",
];

/** A case's outcome as a cell shows it, before delivery proof is taken into account. */
export function plainCellOutcome(outcome: CaseOutcome): CellOutcome {
  switch (outcome) {
    case "accepted":
      return "accepted";
    case "refused":
    // RCPT was taken, but the server refused the message itself at DATA: no relay.
    case "message-refused":
    case "auth-required":
      return "refused";
    case "untested":
      return "untested";
    default:
      return "unanswered";
  }
}
