import type { CaseResult, DataStep, Verdict } from "../schemas/probe-result.ts";

export interface VerdictInput {
  cases: CaseResult[];
  /** Set when the server never let us test: 421/554 banner, no connection, stalled greeting. */
  blockedBeforeTesting: string | null;
  /** Whether accepted cases went on to DATA; absent: as `off`. */
  dataStep?: DataStep;
  /** Why the run stopped before every case was answered (a tarpit), when it did. */
  stoppedBy?: string | null;
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

/** What the accepted cases rest on: the message taken at DATA, or only the RCPT reply. */
function acceptanceBasis(accepted: CaseResult[], dataStep: DataStep): string {
  if (accepted.some((c) => c.step === "data")) return "the message was taken at the end of DATA";
  if (dataStep === "off") {
    return "the DATA step was off, so this rests on the RCPT reply alone";
  }
  return "no message could be sent to confirm it at DATA, so this rests on the RCPT reply";
}

/** How many accepted RCPTs the DATA step showed to be refused messages, for a reason. */
function refusedAtData(cases: CaseResult[]): string {
  const atData = cases.filter((c) => c.step === "data" && c.outcome === "refused").length;
  const sampled = cases.filter((c) => c.outcome === "message-refused").length;
  if (atData + sampled === 0) return "";
  const rest = sampled > 0 ? `; ${sampled} more accepted at RCPT, message refused (sampled)` : "";
  return `; ${atData} accepted at RCPT but refused at DATA${rest}`;
}

/**
 * Say what was seen, not more. `open` needs a plainly foreign recipient accepted, and, where
 * the DATA step ran, its message taken; `closed` needs a real answer to every case (a message
 * refused at DATA is one); anything short of that is `inconclusive` with its reason.
 */
export function decideVerdict(input: VerdictInput): VerdictOutcome {
  const { cases } = input;
  const dataStep = input.dataStep ?? "off";
  const accepted = cases.filter((c) => c.outcome === "accepted");
  const acceptedForeign = accepted.filter((c) => c.recipientKind === "foreign");
  if (acceptedForeign.length > 0) {
    return {
      verdict: "open",
      reason: `accepted mail for a foreign recipient: ${list(acceptedForeign)}; ${acceptanceBasis(acceptedForeign, dataStep)}`,
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
  if (input.stoppedBy && unanswered.length > 0) {
    const answered = cases.length - unanswered.length;
    return {
      verdict: "inconclusive",
      reason: `${input.stoppedBy}; ${answered} of ${cases.length} cases answered before stopping, none accepted`,
    };
  }
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
  const refusals = cases.filter(
    (c) =>
      c.outcome === "refused" || c.outcome === "auth-required" || c.outcome === "message-refused",
  );
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
      : `refused all ${refusals.length} relay attempts${refusedAtData(cases)}${untestedNote}`,
  };
}
