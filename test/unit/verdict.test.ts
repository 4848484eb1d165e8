import { describe, expect, it } from "vitest";
import { RELAY_CASES } from "../../shared/probe/cases.ts";
import { decideVerdict } from "../../shared/probe/verdict.ts";
import type { CaseOutcome, CaseResult } from "../../shared/schemas/probe-result.ts";

function results(outcomeOf: (id: string) => CaseOutcome): CaseResult[] {
  return RELAY_CASES.map((c) => ({
    id: c.id,
    mailFrom: c.mailFrom,
    rcptTo: c.rcptTo,
    recipientKind: c.recipientKind,
    token: "t",
    outcome: outcomeOf(c.id),
    step: "rcpt",
    reply: null,
    note: outcomeOf(c.id) === "error" ? "timeout" : null,
    conn: 1,
    attempts: 1,
    data: null,
  }));
}

describe("verdicts", () => {
  it("is open when a plainly foreign recipient was accepted, naming the case", () => {
    const outcome = decideVerdict({
      cases: results((id) => (id === "bare-sender" ? "accepted" : "refused")),
      blockedBeforeTesting: null,
    });
    expect(outcome.verdict).toBe("open");
    expect(outcome.reason).toContain("bare-sender");
    expect(outcome.reason).toContain("<spamtest>");
  });

  it("is only suspect when routing tricks to its own names were accepted", () => {
    const outcome = decideVerdict({
      cases: results((id) => (id.startsWith("percent") ? "accepted" : "refused")),
      blockedBeforeTesting: null,
    });
    expect(outcome.verdict).toBe("suspect");
  });

  it("is closed only when every case got a real refusal", () => {
    expect(
      decideVerdict({ cases: results(() => "refused"), blockedBeforeTesting: null }).verdict,
    ).toBe("closed");
  });

  it("is never closed when the suite was cut off", () => {
    const outcome = decideVerdict({
      cases: results((id) => (id === "trailing-at" ? "error" : "refused")),
      blockedBeforeTesting: null,
    });
    expect(outcome.verdict).toBe("inconclusive");
    expect(outcome.reason).toContain("1 of");
  });

  it("is inconclusive when greylisting never resolved or the server blocked us", () => {
    expect(
      decideVerdict({
        cases: results((id) => (id === "null-sender" ? "deferred" : "refused")),
        blockedBeforeTesting: null,
      }).verdict,
    ).toBe("inconclusive");
    expect(decideVerdict({ cases: [], blockedBeforeTesting: "421 at the greeting" })).toEqual({
      verdict: "inconclusive",
      reason: "421 at the greeting",
    });
    expect(
      decideVerdict({ cases: results(() => "untested"), blockedBeforeTesting: null }).verdict,
    ).toBe("inconclusive");
  });
});
