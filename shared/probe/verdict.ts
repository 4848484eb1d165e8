import type { CaseResult, Verdict } from "../schemas/probe-result.ts";

export interface VerdictInput {
  cases: CaseResult[];
  /** Set when the server never let us test: 421/554 banner, no connection, stalled greeting. */
  blockedBeforeTesting: string | null;
}

export interface VerdictOutcome {
  verdict: Verdict;
  reason: string;
}

function list(cases: CaseResult[]): string {
  const shown = cases
    .slice(0, 4)
    .map((c) => `${c.id} (MAIL FROM:${c.mailFrom} RCPT TO:${c.rcptTo})`);
  const more = cases.length > shown.length ? ` and ${cases.length - shown.length} more` : "";
  return shown.join(", ") + more;
}

/**
 * Say what was seen, not more. `open` needs a plainly foreign recipient accepted; `closed`
 * needs a real answer to every case; anything short of that is `inconclusive` with its reason.
 */
export function decideVerdict(input: VerdictInput): VerdictOutcome {
  const { cases } = input;
  const accepted = cases.filter((c) => c.outcome === "accepted");
  const acceptedForeign = accepted.filter((c) => c.recipientKind === "foreign");
  if (acceptedForeign.length > 0) {
    return {
      verdict: "open",
      reason: `accepted mail for a foreign recipient: ${list(acceptedForeign)}`,
    };
  }
  if (accepted.length > 0) {
    return {
      verdict: "suspect",
      reason: `accepted only routing tricks addressed to its own names: ${list(accepted)}; a catch-all may file these locally, only delivery can prove relaying`,
    };
  }
  if (input.blockedBeforeTesting) {
    return { verdict: "inconclusive", reason: input.blockedBeforeTesting };
  }
  const unanswered = cases.filter((c) => c.outcome === "error");
  if (unanswered.length > 0) {
    const why = unanswered[0]?.note ?? "no answer";
    return {
      verdict: "inconclusive",
      reason: `${unanswered.length} of ${cases.length} cases got no answer (${why})`,
    };
  }
  const deferred = cases.filter((c) => c.outcome === "deferred");
  if (deferred.length > 0) {
    return {
      verdict: "inconclusive",
      reason: `${deferred.length} of ${cases.length} cases were still deferred at the deadline (${deferred[0]?.note ?? "temporary failure"})`,
    };
  }
  const untested = cases.filter((c) => c.outcome === "untested");
  const refusals = cases.filter((c) => c.outcome === "refused" || c.outcome === "auth-required");
  if (refusals.length === 0) {
    const why = untested[0]?.note ?? "no case was tested";
    return {
      verdict: "inconclusive",
      reason: `no case got a refusal that speaks to relaying: ${why}`,
    };
  }
  const authOnly = refusals.every((c) => c.outcome === "auth-required");
  const untestedNote =
    untested.length > 0 ? `; ${untested.length} cases untested (${untested[0]?.note})` : "";
  return {
    verdict: "closed",
    reason: authOnly
      ? `every case was refused until the client authenticates${untestedNote}`
      : `refused all ${refusals.length} relay attempts${untestedNote}`,
  };
}
