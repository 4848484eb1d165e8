import { describe, expect, it } from "vitest";
import { applyDataReplies } from "../../shared/probe/delivery.ts";
import {
  connectionsLeftForSuite,
  firstSlowCase,
  nextChunkSize,
  projectedEnd,
} from "../../shared/probe/pace.ts";
import { startRun } from "../../shared/probe/runner.ts";
import type { CaseResult } from "../../shared/schemas/probe-result.ts";
import type { SmtpSession } from "../../shared/smtp/session.ts";

const noConnector = () => Promise.reject(new Error("no sockets in this test"));

function run(overrides: Record<string, unknown> = {}) {
  return startRun(
    noConnector,
    {
      target: { address: "192.0.2.1", port: 25 },
      canaryDomain: "canary.example",
      proof: { reportUrl: null, maxMessages: 3 },
      ...overrides,
    },
    {},
  );
}

describe("the adaptive plan", () => {
  it("finds where refused recipients start to come slowly, not before", () => {
    expect(firstSlowCase([30, 31, 29, 1_030, 1_032])).toBe(3);
    expect(firstSlowCase([30, 31, 29, 60, 45])).toBeNull();
    expect(firstSlowCase([null, 30, null, 1_200])).toBe(3);
    // A connection that was slow from the first case shows no throttle, only a slow server.
    expect(firstSlowCase([1_000, 1_010])).toBeNull();
    expect(firstSlowCase([40])).toBeNull();
  });

  it("keeps the DATA step's share of the 12 connections out of the suite's", () => {
    const probe = run();
    expect(connectionsLeftForSuite(probe)).toBe(9);
    probe.connectionCount = 9;
    expect(connectionsLeftForSuite(probe)).toBe(0);
    expect(connectionsLeftForSuite(run({ proof: null }))).toBe(12);
  });

  it("packs more cases per connection when connections run short, or the greeting is slow", () => {
    const probe = run();
    expect(nextChunkSize(probe, 29, 0)).toBe(5);
    probe.connectionCount = 7;
    // Two connections left (and the one held) for 20 cases.
    expect(nextChunkSize(probe, 20, 1)).toBe(7);
    const paused = run();
    paused.pace.greetingPause = true;
    expect(nextChunkSize(paused, 40, 0)).toBe(7);
    paused.pace.limitSeen = true;
    expect(nextChunkSize(paused, 40, 0)).toBe(5);
  });

  it("projects nothing at a normal pace, and the replies owed at a slow one", () => {
    const probe = run();
    probe.pace.serviceMs.push(40, 60);
    expect(projectedEnd(probe, [], 29, 1_000)).toBeNull();
    const slow = run();
    slow.pace.serviceMs.push(1_500);
    const owing = { partialReplyAgeMs: () => null, repliesOwed: 3 } as unknown as SmtpSession;
    // 3 owed + 10 cases x 3 replies, 1.5 s each, over 6 at once (connections cost nothing here).
    expect(projectedEnd(slow, [owing], 10, 1_000)).toBe(1_000 + (33 * 1_500) / 6);
  });

  it("takes a server slow both to greet and to answer EHLO as slow throughout", () => {
    const probe = run();
    probe.pace.greetingMs = 1_500;
    probe.pace.setupMs.push(1_500, 1_500);
    expect(projectedEnd(probe, [], 29, 0)).toBeGreaterThan(20_000);
    probe.pace.greetingMs = 40;
    expect(projectedEnd(probe, [], 29, 0)).toBeLessThan(20_000);
  });

  it("does not take a server slow to greet (reverse DNS on EHLO) for a tarpit", () => {
    const probe = run();
    probe.pace.setupMs.push(5_000);
    probe.pace.greetingMs = 40;
    probe.pace.serviceMs.push(40, 60, 50);
    const end = projectedEnd(probe, [], 29, 0);
    // Six connections at 5 s each, over 6 at once, and 87 quick replies: far below 20 s.
    expect(end).not.toBeNull();
    expect(end).toBeLessThan(7_000);
  });

  it("counts a reply still trickling in with the time it has taken so far", () => {
    const probe = run();
    const trickling = { partialReplyAgeMs: () => 2_000, repliesOwed: 1 } as unknown as SmtpSession;
    expect(projectedEnd(probe, [trickling], 29, 0)).toBeGreaterThan(20_000);
  });
});

function accepted(id: string, recipientKind: "foreign" | "routing" = "foreign"): CaseResult {
  return {
    id,
    mailFrom: "<spamtest@canary.example>",
    rcptTo: `<${id}@canary.example>`,
    recipientKind,
    token: id,
    outcome: "accepted",
    step: "rcpt",
    reply: { code: 250, enhanced: "2.1.5", text: "Ok" },
    note: null,
    conn: 1,
    attempts: 1,
    data: null,
  };
}

const refusedMessage = { code: 554, enhanced: "5.7.1", text: "no" };
const queued = { code: 250, enhanced: "2.0.0", text: "queued" };

describe("the DATA step's decisions", () => {
  it("turns a sample refused at DATA into refused cases, and the rest into message-refused", () => {
    const results = new Map(["a", "b", "c", "d"].map((id) => [id, accepted(id)]));
    applyDataReplies(
      results,
      new Map([
        ["a", { stage: "data" as const, reply: refusedMessage }],
        ["b", { stage: "data" as const, reply: refusedMessage }],
      ]),
    );
    expect(results.get("a")).toMatchObject({
      outcome: "refused",
      step: "data",
      data: refusedMessage,
    });
    expect(results.get("c")).toMatchObject({
      outcome: "message-refused",
      step: "data",
      data: null,
    });
    expect(results.get("c")?.note).toMatch(/^accepted at RCPT, message refused \(sampled\)/);
  });

  it("keeps the others accepted when any message was taken", () => {
    const results = new Map(["a", "b", "c"].map((id) => [id, accepted(id)]));
    applyDataReplies(
      results,
      new Map([
        ["a", { stage: "data" as const, reply: refusedMessage }],
        ["b", { stage: "data" as const, reply: queued }],
      ]),
    );
    expect(results.get("a")?.outcome).toBe("refused");
    expect(results.get("b")).toMatchObject({ outcome: "accepted", step: "data", data: queued });
    expect(results.get("c")).toMatchObject({ outcome: "accepted", step: "rcpt" });
  });

  it("decides nothing from a deferral or a RCPT refused on the second try", () => {
    const results = new Map(["a", "b"].map((id) => [id, accepted(id)]));
    applyDataReplies(
      results,
      new Map([
        ["a", { stage: "data" as const, reply: { code: 451, enhanced: null, text: "later" } }],
        ["b", { stage: "rcpt" as const, reply: refusedMessage }],
      ]),
    );
    expect(results.get("a")).toMatchObject({ outcome: "accepted", step: "rcpt" });
    expect(results.get("b")).toMatchObject({ outcome: "accepted", step: "rcpt" });
    expect(results.get("b")?.note).toContain("RCPT was refused when the message was sent");
  });
});
