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
  it("counts messages refused at DATA as refusals, sampled ones included, and says so", () => {
    const outcome = decideVerdict({
      cases: results((id) =>
        id === "canary-sender" ? "refused" : id === "bare-sender" ? "refused" : "message-refused",
      ).map((c) => (c.id === "canary-sender" ? { ...c, step: "data" as const } : c)),
      blockedBeforeTesting: null,
      dataStep: "sent",
    });
    expect(outcome.verdict).toBe("closed");
    expect(outcome.reason).toContain("1 accepted at RCPT but refused at DATA");
    expect(outcome.reason).toContain("more accepted at RCPT, message refused (sampled)");
  });

  it("says when an open verdict rests on the RCPT reply alone", () => {
    const open = (dataStep: "off" | "sent") =>
      decideVerdict({
        cases: results((id) => (id === "bare-sender" ? "accepted" : "refused")),
        blockedBeforeTesting: null,
        dataStep,
      });
    expect(open("off").reason).toContain("the DATA step was off, so this rests on the RCPT reply");
    expect(open("sent").reason).toContain("no message could be sent to confirm it at DATA");
  });

  it("stays open through a tarpit stop, and is inconclusive: tarpit otherwise", () => {
    const stoppedBy = "tarpit: too slow";
    expect(
      decideVerdict({
        cases: results((id) => (id === "bare-sender" ? "accepted" : "error")),
        blockedBeforeTesting: null,
        stoppedBy,
      }).verdict,
    ).toBe("open");
    const stopped = decideVerdict({
      cases: results((id) => (id === "bare-sender" ? "refused" : "error")),
      blockedBeforeTesting: null,
      stoppedBy,
    });
    expect(stopped.verdict).toBe("inconclusive");
    expect(stopped.reason).toMatch(/^tarpit: too slow; 1 of \d+ cases answered before stopping/);
  });

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
