import type { Verdict } from "../schemas/probe-result.ts";

/**
 * Delivery proof of a check. `requested` until the check finishes; then `none` when no case was
 * accepted (nothing to deliver), else `pending` until a canary message arrives (`confirmed`) or
 * the window closes (`unconfirmed`). Null when the check did not ask for proof.
 */
export type ProofState = "requested" | "none" | "pending" | "confirmed" | "unconfirmed";

/** The verdict in the words the API, the page and the webhook share. */
export type VerdictLabel =
  | "open (confirmed)"
  | "open (accepted, unconfirmed)"
  | "suspect"
  | "closed"
  | "inconclusive";

/** The proof state as the API shows it: only the states a reader can act on. */
export type PublicProofState = "pending" | "confirmed" | "unconfirmed" | null;

export function publicProofState(proof: ProofState | null): PublicProofState {
  return proof === "pending" || proof === "confirmed" || proof === "unconfirmed" ? proof : null;
}

/**
 * The verdict once delivery is taken into account: an arrived canary message proves a relay, so
 * a check that was only suspect (a routing trick accepted) becomes open.
 */
export function provenVerdict(verdict: Verdict | null, proof: ProofState | null): Verdict | null {
  return proof === "confirmed" ? "open" : verdict;
}

export function verdictLabel(
  verdict: Verdict | null,
  proof: ProofState | null,
): VerdictLabel | null {
  if (proof === "confirmed") return "open (confirmed)";
  if (verdict === "open") return "open (accepted, unconfirmed)";
  return verdict;
}
