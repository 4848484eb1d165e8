import { describe, expect, it } from "vitest";
import type { TranscriptLine } from "../../shared/schemas/probe-result.ts";
import type {
  CaseView,
  CheckView,
  VantageDetail,
} from "../../workers/coordinator/src/db/repository.ts";
import type { CanaryDeliveryRow } from "../../workers/coordinator/src/db/schema.ts";
import { caseExchange } from "../../workers/coordinator/src/pages/case-exchange.ts";
import { slowEstimate } from "../../workers/coordinator/src/pages/progress-list.tsx";
import {
  acceptedTricks,
  groupAddresses,
} from "../../workers/coordinator/src/pages/report-model.ts";
import { deliveryKey } from "../../workers/coordinator/src/proof/deliveries.ts";

/** The report's pure parts: a case's exchange, the collapsed matrix, the tricks, the estimate. */

const line = (dir: TranscriptLine["dir"], text: string): TranscriptLine => ({
  at: "2026-11-30T12:00:00.000Z",
  conn: 3,
  dir,
  line: text,
});

describe("one case's exchange out of its connection", () => {
  it("pairs pipelined commands with their replies in order and keeps only that case", () => {
    const connection = [
      line("server", "220 mx ESMTP"),
      line("client", "EHLO probe"),
      line("server", "250-mx"),
      line("server", "250 PIPELINING"),
      line("client", "MAIL FROM:<a@canary>"),
      line("client", "RCPT TO:<x@canary>"),
      line("client", "RSET"),
      line("client", "MAIL FROM:<>"),
      line("client", "RCPT TO:<y@canary>"),
      line("server", "250 2.1.0 Ok"),
      line("server", "554 5.7.1 <x@canary>: Relay access denied"),
      line("server", "250 2.0.0 Ok"),
      line("server", "250 2.1.0 Ok"),
      line("server", "250 2.1.5 Ok"),
      line("client", "QUIT"),
      line("server", "221 Bye"),
    ];
    expect(
      caseExchange(connection, { mailFrom: "<>", rcptTo: "<y@canary>" }).map((l) => l.line),
    ).toEqual(["MAIL FROM:<>", "250 2.1.0 Ok", "RCPT TO:<y@canary>", "250 2.1.5 Ok"]);
    expect(
      caseExchange(connection, { mailFrom: "<a@canary>", rcptTo: "<x@canary>" }).map((l) => l.line),
    ).toEqual([
      "MAIL FROM:<a@canary>",
      "250 2.1.0 Ok",
      "RCPT TO:<x@canary>",
      "554 5.7.1 <x@canary>: Relay access denied",
    ]);
  });

  it("follows DATA to the reply after the message, and finds nothing for a case not in the log", () => {
    const connection = [
      line("client", "MAIL FROM:<a@canary>"),
      line("server", "250 Ok"),
      line("client", "RCPT TO:<x@canary>"),
      line("server", "250 Ok"),
      line("client", "DATA"),
      line("server", "354 End data with <CR><LF>.<CR><LF>"),
      line("note", "[message body: 812 bytes]"),
      line("server", "250 Ok: queued as 4XyZ"),
      line("client", "QUIT"),
      line("server", "221 Bye"),
    ];
    expect(
      caseExchange(connection, { mailFrom: "<a@canary>", rcptTo: "<x@canary>" }).map((l) => l.line),
    ).toEqual([
      "MAIL FROM:<a@canary>",
      "250 Ok",
      "RCPT TO:<x@canary>",
      "250 Ok",
      "DATA",
      "354 End data with <CR><LF>.<CR><LF>",
      "[message body: 812 bytes]",
      "250 Ok: queued as 4XyZ",
    ]);
    expect(caseExchange(connection, { mailFrom: "<a@canary>", rcptTo: "<z@canary>" })).toEqual([]);
  });
});

function caseRow(caseId: string, outcome: CaseView["outcome"], index: number): CaseView {
  return {
    index,
    caseId,
    tokenSuffix: String(index),
    outcome,
    step: "rcpt",
    messageSent: false,
    detail: {
      id: caseId,
      mailFrom: `<${caseId}@sender>`,
      rcptTo: `<${caseId}@canary>`,
      recipientKind: "foreign",
      token: `rw-n-${index}`,
      outcome,
      step: "rcpt",
      reply: { code: outcome === "accepted" ? 250 : 554, enhanced: null, text: "" },
      note: null,
      conn: 1,
      attempts: 1,
      data: null,
    },
  };
}

function vantage(nodeId: string, region: string, open: boolean): VantageDetail {
  return {
    id: `${nodeId}-${Math.random()}`,
    checkId: "c",
    mxHost: "mx",
    mxPreference: 10,
    address: "a",
    port: 25,
    nodeId,
    region,
    network: "lab",
    status: "done",
    verdict: open ? "open" : "closed",
    reason: null,
    startedAt: 0,
    finishedAt: 0,
    durationMs: 0,
    banner: "220 mx ESMTP Postfix",
    tls: null,
    extensions: [],
    names: null,
    tokenNonce: null,
    locationKind: "site",
    location: `lab-${region}`,
    nodeAsn: 64500,
    inside: false,
    progress: null,
    askedAt: 0,
    caseSetId: 1,
    outcomes: null,
    evidenceId: null,
    evidence: "stored",
    cases: [
      caseRow("canary-sender", open ? "accepted" : "refused", 0),
      caseRow("null-sender", "refused", 1),
    ],
    transcript: [],
  };
}

function twoMxView(): CheckView {
  const nodes = () => [
    vantage("n1", "eu-west", false),
    vantage("n2", "us-east", false),
    vantage("n3", "ap-northeast", true),
  ];
  const secure = () =>
    nodes().map((v) => ({
      ...v,
      verdict: "closed" as const,
      cases: v.cases.map((c) => ({ ...c, outcome: "refused" as const })),
    }));
  return {
    check: {
      id: "c",
      domainId: null,
      kind: "domain",
      target: "two-mx.lab.test",
      port: 2531,
      status: "done",
      verdict: "open",
      reason: null,
      summary: null,
      idempotencyKey: null,
      mx: null,
      apiKeyId: null,
      batchId: null,
      webhookUrl: null,
      createdAt: 0,
      startedAt: 0,
      finishedAt: 0,
      deadlineAt: 0,
      proof: null,
      proofDeadlineAt: null,
    },
    domainName: "two-mx.lab.test",
    mxHosts: [
      {
        host: "mx1",
        preference: 10,
        addresses: [
          { address: "127.0.0.1", vantages: nodes() },
          { address: "::1", vantages: nodes() },
        ],
      },
      {
        host: "mx2",
        preference: 20,
        addresses: [
          { address: "127.0.0.2", vantages: secure() },
          { address: "127.0.0.3", vantages: secure() },
        ],
      },
    ],
  };
}

describe("the report's model", () => {
  it("collapses identical addresses into one matrix and identical vantages into one column", () => {
    const groups = groupAddresses(twoMxView(), new Map(), 0);
    expect(groups.map((g) => g.addresses.map((a) => `${a.mxHost} ${a.address}`))).toEqual([
      ["mx1 127.0.0.1", "mx1 ::1"],
      ["mx2 127.0.0.2", "mx2 127.0.0.3"],
    ]);
    expect(groups[0]?.columns.map((c) => c.vantages.map((v) => v.region))).toEqual([
      ["eu-west", "us-east"],
      ["ap-northeast"],
    ]);
    expect(groups[1]?.columns).toHaveLength(1);
    expect(groups[0]?.families.map((f) => f.family)).toEqual(["foreign-sender", "null-sender"]);
  });

  it("still collapses two addresses when only one's test message has arrived, and shows it delivered", () => {
    const view = twoMxView();
    view.check.proof = "confirmed";
    const accepting = view.mxHosts[0]?.addresses[1]?.vantages[2];
    const accepted = accepting?.cases[0];
    if (!accepting || !accepted) throw new Error("no accepted case");
    const delivery = {
      id: 1,
      caseIndex: accepted.index,
      receivedAt: 1_000,
      receivedChain: [],
      mailFrom: "<>",
      handedOverBy: null,
    } as Partial<CanaryDeliveryRow> as CanaryDeliveryRow;
    const arrived = new Map([[deliveryKey(accepting.id, accepted.index), delivery]]);
    const [open] = groupAddresses(view, arrived, 0);
    expect(open?.addresses).toHaveLength(2);
    expect(open?.columns[1]?.outcomes.get("canary-sender")).toBe("delivered");
    expect(open?.columns[0]?.outcomes.get("canary-sender")).toBe("refused");
  });

  it("names each accepted trick once, with its envelope, its vantages and its addresses", () => {
    const [trick, ...others] = acceptedTricks(twoMxView(), new Map(), 0);
    expect(others).toEqual([]);
    expect(trick).toMatchObject({
      caseId: "canary-sender",
      family: "foreign-sender",
      mailFrom: "<canary-sender@sender>",
      rcptTo: "<canary-sender@canary>",
      delivered: false,
      addresses: ["mx1 127.0.0.1", "mx1 ::1"],
    });
    expect(trick?.vantages.map((v) => v.region)).toEqual(["ap-northeast"]);
  });
});

describe("the estimate while a server slows the run", () => {
  const base = { startedAt: 0, cases: 30, answered: [] as { id: string; outcome: "refused" }[] };
  const answered = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ id: `c${i}`, outcome: "refused" as const }));

  it("says nothing while cases come quickly", () => {
    expect(slowEstimate({ ...base, answered: answered(20), updatedAt: 1_000 }, 60_000, 1_200)).toBe(
      null,
    );
  });

  it("projects the pace over the cases left (a tarpit), capped by the deadline", () => {
    // 10 cases in 20 s: 2 s each, 20 left, so 40 s.
    expect(
      slowEstimate({ ...base, answered: answered(10), updatedAt: 20_000 }, 300_000, 20_000),
    ).toBe(40);
    expect(
      slowEstimate({ ...base, answered: answered(10), updatedAt: 20_000 }, 30_000, 20_000),
    ).toBe(10);
  });

  it("counts a silence as slowness (greylisting holds cases back)", () => {
    expect(slowEstimate({ ...base, answered: answered(25), updatedAt: 2_000 }, 60_000, 9_000)).toBe(
      2,
    );
  });
});
