import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimBehaviour, type SimOptions, startSim } from "../../lab/sim/index.ts";
import { type RunningSink, startSink } from "../../lab/sink.ts";
import { LAB_CANARY_DOMAIN } from "../../shared/probe/defaults.ts";
import type { ProbeRequest } from "../../shared/probe/request.ts";
import { runProbe } from "../../shared/probe/runner.ts";
import type { ProbeResult } from "../../shared/schemas/probe-result.ts";
import { nodejsConnector } from "../../shared/smtp/nodejs-stream.ts";
import { LINE_CUT_MARKER } from "../../shared/smtp/reply-parser.ts";

let sink: RunningSink;

beforeAll(async () => {
  sink = await startSink({ acceptDomain: LAB_CANARY_DOMAIN });
});
afterAll(async () => {
  await sink.close();
});

async function probe(
  behaviour: SimBehaviour,
  simOptions: SimOptions = {},
  { implicitTls = false, ...request }: Partial<ProbeRequest> & { implicitTls?: boolean } = {},
): Promise<ProbeResult> {
  const sim = await startSim(behaviour, {
    relayTo: { host: sink.host, port: sink.port },
    canaryDomain: LAB_CANARY_DOMAIN,
    ...simOptions,
  });
  try {
    return await runProbe(nodejsConnector, {
      canaryDomain: LAB_CANARY_DOMAIN,
      timeBudgetMs: 30_000,
      ...request,
      target: { address: "127.0.0.1", port: sim.port, implicitTls },
    });
  } finally {
    await sim.close();
  }
}

/** The DATA step as the CLI and the coordinator run it: at most three messages. */
const DATA_STEP = { reportUrl: null, maxMessages: 3 };

const outcomes = (result: ProbeResult) => new Set(result.cases.map((c) => c.outcome));
const acceptedIds = (result: ProbeResult) =>
  result.cases.filter((c) => c.outcome === "accepted").map((c) => c.id);

describe("the origin case: AppleShare IP 6.2", () => {
  it("is open, and the report names the bare <spamtest> sender", async () => {
    const result = await probe("asip62");
    expect(result.verdict).toBe("open");
    const bare = result.cases.find((c) => c.id === "bare-sender");
    expect(bare?.mailFrom).toBe("<spamtest>");
    expect(bare?.outcome).toBe("accepted");
    expect(result.reason).toContain("<spamtest>");
    // The obvious test, a foreign sender, is refused with 553 at RCPT, as in 2001.
    const foreign = result.cases.find((c) => c.id === "canary-sender");
    expect(foreign).toMatchObject({ outcome: "refused", step: "rcpt", reply: { code: 553 } });
    // It also relays for a sender claiming to be a real local user.
    expect(acceptedIds(result)).toContain("postmaster-domain-sender");
    // The server only speaks HELO: the fallback must have been used.
    expect(result.transcript.some((e) => e.dir === "client" && e.line.startsWith("HELO "))).toBe(
      true,
    );
  });
});

describe("verdicts from reply codes on simulated servers", () => {
  it("calls an open relay open", async () => {
    const result = await probe("open-relay");
    expect(result.verdict).toBe("open");
    expect(acceptedIds(result)).toContain("canary-sender");
  });

  it("calls accept-then-bounce open: it takes the message, only delivery proof tells more", async () => {
    const result = await probe("accept-then-bounce", {}, { proof: DATA_STEP });
    expect(result.verdict).toBe("open");
    expect(result.dataStep).toBe("sent");
    expect(result.reason).toContain("the message was taken at the end of DATA");
    expect(result.cases.filter((c) => c.step === "data" && c.outcome === "accepted")).toHaveLength(
      3,
    );
  });

  it.each([
    "catch-all-own-domain",
    "percent-hack",
    "bang-path",
    "source-route",
    "quoted-local-part",
  ] as const)("calls %s suspect, never open", async (behaviour) => {
    const result = await probe(behaviour);
    expect(result.verdict).toBe("suspect");
    const accepted = result.cases.filter((c) => c.outcome === "accepted");
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.every((c) => c.recipientKind === "routing")).toBe(true);
  });

  it.each(["secure-pipelining", "secure-no-pipelining", "multiline-banner"] as const)(
    "calls %s closed with every case refused",
    async (behaviour) => {
      const result = await probe(behaviour);
      expect(result.verdict).toBe("closed");
      expect(outcomes(result)).toEqual(new Set(["refused"]));
    },
  );
});

describe("surviving servers that punish careless testers", () => {
  it("pipelines only where PIPELINING is offered", async () => {
    const pipelined = await probe("secure-pipelining");
    expect(pipelined.connections.every((c) => c.pipelined)).toBe(true);
    const plain = await probe("secure-no-pipelining");
    expect(plain.connections.some((c) => c.pipelined)).toBe(false);
    expect(plain.transcript.some((e) => e.dir === "server" && e.line.startsWith("503"))).toBe(
      false,
    );
  });

  it("records which connection answered each case, and spreads cases over several", async () => {
    const result = await probe("secure-pipelining");
    expect(result.connections.length).toBeGreaterThan(2);
    for (const c of result.cases) {
      const connection = result.connections.find((summary) => summary.conn === c.conn);
      expect(connection?.cases).toContain(c.id);
    }
  });

  it("waits for the whole greeting before speaking (pregreet test)", async () => {
    const result = await probe("pregreet");
    expect(result.verdict).toBe("closed");
    expect(result.transcript.some((e) => e.line.startsWith("521"))).toBe(false);
  });

  it("reconnects after an error-limit disconnect and gets every case answered", async () => {
    const result = await probe("error-limit");
    expect(result.verdict).toBe("closed");
    expect(outcomes(result)).toEqual(new Set(["refused"]));
  });

  it("retries greylisted cases after the server's delay", async () => {
    const result = await probe("greylist", { greylistDelaySec: 1 });
    expect(result.verdict).toBe("closed");
    expect(result.cases.every((c) => c.attempts >= 2)).toBe(true);
    expect(result.transcript.some((e) => e.line.includes("Greylisted"))).toBe(true);
  });

  it("outlasts a tarpit when the deadline allows", async () => {
    const result = await probe("tarpit", { tarpitDelayMs: 150 });
    expect(result.verdict).toBe("closed");
  });

  it("never calls a tarpit closed when cut off by the deadline", async () => {
    const started = Date.now();
    const result = await probe("tarpit", { tarpitDelayMs: 400 }, { timeBudgetMs: 3_000 });
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(result.verdict).toBe("inconclusive");
    expect(result.cases.some((c) => c.outcome === "error")).toBe(true);
  });

  it("upgrades with STARTTLS when the server demands it, and finds the relay behind it", async () => {
    const result = await probe("starttls-required");
    expect(result.verdict).toBe("open");
    expect(result.tls?.protocol).toMatch(/TLS/);
    expect(result.cases.some((c) => c.outcome === "auth-required")).toBe(false);
  });

  it("speaks TLS from the first byte on an implicit-TLS port", async () => {
    const result = await probe("implicit-tls", {}, { implicitTls: true });
    expect(result.verdict).toBe("open");
    expect(result.tls).not.toBeNull();
  });
});

describe("the DATA step decides", () => {
  it("a server that takes every RCPT and refuses the message is closed, never open", async () => {
    const result = await probe("refuse-at-data", {}, { proof: DATA_STEP });
    expect(result.verdict).toBe("closed");
    expect(result.dataStep).toBe("sent");
    const atData = result.cases.filter((c) => c.outcome === "refused" && c.step === "data");
    expect(atData.map((c) => c.id)).toEqual([
      "bare-sender",
      "canary-sender",
      "target-domain-sender",
    ]);
    for (const c of atData) {
      expect(c.data).toMatchObject({ code: 554 });
      expect(c.note).toMatch(/refused at DATA \(RCPT had been accepted with 250\)/);
    }
    const sampled = result.cases.filter((c) => c.outcome === "message-refused");
    expect(sampled).toHaveLength(result.cases.length - 3);
    for (const c of sampled) {
      expect(c).toMatchObject({ step: "data", data: null, reply: { code: 250 } });
      expect(c.note).toContain("accepted at RCPT, message refused (sampled)");
    }
    expect(result.reason).toContain("3 accepted at RCPT but refused at DATA");
  });

  it("without the DATA step the same server is open, and the reason says it rests on RCPT", async () => {
    const result = await probe("refuse-at-data");
    expect(result.verdict).toBe("open");
    expect(result.dataStep).toBe("off");
    expect(result.reason).toContain("the DATA step was off, so this rests on the RCPT reply");
    expect(result.cases.every((c) => c.step === "rcpt")).toBe(true);
  });

  it("sends no message where nothing was accepted", async () => {
    const result = await probe("secure-pipelining", {}, { proof: DATA_STEP });
    expect(result.dataStep).toBe("not-needed");
    expect(result.transcript.some((e) => e.dir === "client" && e.line === "DATA")).toBe(false);
  });
});

describe("long lines", () => {
  it("parses 4-6 KB banner and reply lines with HTML, keeping them cut for display", async () => {
    const result = await probe("long-lines");
    expect(result.verdict).toBe("closed");
    expect(outcomes(result)).toEqual(new Set(["refused"]));
    expect(result.banner?.text).toContain(LINE_CUT_MARKER);
    const refusal = result.cases.find((c) => c.id === "canary-sender")?.reply;
    expect(refusal?.code).toBe(554);
    expect(refusal?.text.length).toBeLessThan(600);
    expect(result.transcript.every((e) => e.line.length < 600)).toBe(true);
  });
});

describe("the adaptive connection plan", () => {
  it("opens the first wave together during a greeting pause, and stays within the budget", async () => {
    const result = await probe("sendmail-throttle");
    expect(result.verdict).toBe("closed");
    expect(outcomes(result)).toEqual(new Set(["refused"]));
    expect(
      result.transcript.some((e) =>
        /a greeting pause\): the first wave of 6 connections/.test(e.line),
      ),
    ).toBe(true);
    // One wave: every connection opened before the first one answered its first case.
    const connected = result.transcript.filter((e) => e.line.startsWith("connected to"));
    const firstMail = result.transcript.find((e) => e.line.startsWith("MAIL FROM"));
    expect(connected).toHaveLength(6);
    expect(connected.every((e) => firstMail && e.at <= firstMail.at)).toBe(true);
    // sendmail's greet_pause drops a client that talks first: none of ours did.
    expect(result.transcript.some((e) => e.line.includes("not accepting messages"))).toBe(false);
  });

  it("sees refusals slow down after a few and carries fewer cases per connection", async () => {
    const result = await probe("error-sleep");
    expect(result.verdict).toBe("closed");
    expect(
      result.transcript.some((e) =>
        e.line.startsWith("refused recipients slowed down after 3 on one connection"),
      ),
    ).toBe(true);
  });

  it("never opens more than the budget of connections, retries included", async () => {
    const result = await probe("greylist", { greylistDelaySec: 1 }, { proof: DATA_STEP });
    expect(result.verdict).toBe("closed");
    expect(result.connections.length).toBeLessThanOrEqual(12 - 3);
  });

  it("ends a byte tarpit as inconclusive: tarpit, long before the time budget", async () => {
    const result = await probe("byte-tarpit", {}, { timeBudgetMs: 60_000 });
    expect(result.verdict).toBe("inconclusive");
    expect(result.reason).toMatch(/^tarpit: .* over the tarpit budget of 20 s/);
  });

  it("stops a slow tarpit it cannot finish in budget, keeping the cases it has", async () => {
    const result = await probe("tarpit", { tarpitDelayMs: 600 }, { tarpitBudgetMs: 5_000 });
    expect(result.verdict).toBe("inconclusive");
    expect(result.reason).toMatch(/^tarpit: /);
    expect(result.cases.some((c) => c.outcome === "error" && c.note?.startsWith("tarpit: "))).toBe(
      true,
    );
  });

  it("keeps an accepted foreign case through a tarpit stop: still open", async () => {
    const result = await probe("asip62", { refusalDelayMs: 2_000 }, { tarpitBudgetMs: 6_000 });
    expect(result.verdict).toBe("open");
    expect(acceptedIds(result)).toContain("bare-sender");
    expect(result.cases.some((c) => c.note?.startsWith("tarpit: "))).toBe(true);
  });
});

describe("servers that never let us test", () => {
  it.each([
    ["banner-421", /421/],
    ["banner-554", /554/],
  ] as const)("%s is inconclusive with the greeting as the reason", async (behaviour, pattern) => {
    const result = await probe(behaviour);
    expect(result.verdict).toBe("inconclusive");
    expect(result.reason).toMatch(pattern);
  });

  it("a stalled server is inconclusive within the deadline", async () => {
    const started = Date.now();
    const result = await probe("stall", {}, { timeBudgetMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(result.verdict).toBe("inconclusive");
    expect(result.reason).toMatch(/timeout/);
  });
});
