import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { CaseResult, ProbeResult } from "../../shared/schemas/probe-result.ts";
import { ProbeResponse } from "../../shared/schemas/protocol.ts";
import { openDatabase } from "../../workers/coordinator/src/db/client.ts";
import {
  type CheckDecision,
  createCheck,
  failVantage,
  findCheck,
  finishCheckIfComplete,
  getCheckView,
  latestCheckForDomain,
  latestCheckForDomainQuery,
  listVantages,
  markCheckRunning,
  type NewCheck,
  overdueChecks,
  type PlannedVantage,
  saveVantageResult,
  type VantageRow,
} from "../../workers/coordinator/src/db/repository.ts";
import { caseResults, transcripts } from "../../workers/coordinator/src/db/schema.ts";

const db = openDatabase(env.DB);

// Storage is shared by the tests of this file, so every test makes its own ids.
let sequence = 0;
function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}`;
}

const NODES = [
  { nodeId: "node-fra", region: "eu-central", network: "hetzner" },
  { nodeId: "node-iad", region: "us-east", network: "aws" },
];

function vantagesFor(mxHost: string, mxPreference: number | null, addresses: string[]) {
  return addresses.flatMap((address) =>
    NODES.map(
      (node): PlannedVantage => ({
        id: uniqueId("vantage"),
        mxHost,
        mxPreference,
        address,
        port: 25,
        ...node,
      }),
    ),
  );
}

function newCheck(overrides: Partial<NewCheck> = {}): NewCheck {
  const domainName = overrides.domainName === undefined ? "example.com" : overrides.domainName;
  return {
    id: uniqueId("check"),
    kind: "domain",
    target: domainName ?? "mx.example.net",
    port: 25,
    domainName,
    idempotencyKey: null,
    deadlineAt: 10_000,
    now: 1_000,
    mx: {
      hosts: [{ host: "mx1.example.com", preference: 10, addresses: ["192.0.2.10"] }],
      refused: [],
    },
    vantages: vantagesFor("mx1.example.com", 10, ["192.0.2.10"]),
    ...overrides,
  };
}

function probeCase(index: number): CaseResult {
  return {
    id: `case-${String(index).padStart(2, "0")}`,
    mailFrom: `probe-${index}@canary.test`,
    rcptTo: `victim-${index}@foreign.test`,
    recipientKind: index % 2 === 0 ? "foreign" : "routing",
    token: `token-${index}`,
    outcome: "refused",
    step: "rcpt",
    reply: { code: 554, enhanced: "5.7.1", text: "Relay access denied" },
    note: null,
    conn: 1,
    attempts: 1,
  };
}

function probeResponse(
  vantage: PlannedVantage,
  caseCount: number,
  verdict: ProbeResult["verdict"],
) {
  const node = NODES.find((candidate) => candidate.nodeId === vantage.nodeId) ?? NODES[0];
  // Parsed, so a fixture that drifts from the protocol fails here rather than deep in a test.
  return ProbeResponse.parse({
    node: {
      ...node,
      runtime: "cloudflare",
      allowedPorts: [25],
      loopbackAllowed: false,
    },
    result: {
      target: {
        host: vantage.mxHost,
        port: vantage.port,
        address: vantage.address,
        implicitTls: false,
      },
      names: {
        host: "probe.canary.test",
        targetDomain: "example.com",
        canaryDomain: "canary.test",
      },
      verdict,
      reason: verdict === "closed" ? "refused every case" : `saw ${verdict}`,
      startedAt: "2026-07-01T10:00:00.000Z",
      finishedAt: "2026-07-01T10:00:02.500Z",
      durationMs: 2500.4,
      banner: { code: 220, enhanced: null, text: `${vantage.mxHost} ESMTP` },
      extensions: ["PIPELINING", "STARTTLS"],
      tls: null,
      cases: Array.from({ length: caseCount }, (_, index) => probeCase(index)),
      connections: [],
      transcript: Array.from({ length: 300 }, (_, index) => ({
        at: "2026-07-01T10:00:01.000Z",
        conn: 1,
        dir: index % 2 === 0 ? "client" : "server",
        line: `line ${index}`,
      })),
    },
  });
}

async function caseCount(vantageId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)` })
    .from(caseResults)
    .where(eq(caseResults.vantageResultId, vantageId));
  return row?.count ?? 0;
}

/** Worst verdict wins; enough to see what `finishCheckIfComplete` hands to `decide`. */
function worstVerdict(vantages: VantageRow[]): CheckDecision {
  const order = ["open", "suspect", "inconclusive", "closed"] as const;
  const verdict = order.find((candidate) => vantages.some((v) => v.verdict === candidate));
  return {
    verdict: verdict ?? "inconclusive",
    reason: `${vantages.length} vantages`,
    summary: null,
  };
}

function first<T>(items: readonly T[]): T {
  const [item] = items;
  if (item === undefined) throw new Error("expected at least one item");
  return item;
}

describe("migrations", () => {
  it("create every table and index", async () => {
    const { results } = await env.DB.prepare(
      "select type, name from sqlite_master where type in ('table', 'index') order by name",
    ).all<{ type: string; name: string }>();
    const names = results.map((row) => row.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "domains",
        "checks",
        "vantage_results",
        "case_results",
        "transcripts",
        "domains_name_unique",
        "checks_idempotency_key_unique",
        "checks_domain_created_idx",
        "checks_status_deadline_idx",
        "checks_target_created_idx",
        "vantage_results_check_idx",
        "case_results_vantage_idx",
        "case_results_token_idx",
      ]),
    );
  });
});

describe("createCheck", () => {
  it("stores a queued check, its lower-cased domain and pending vantages", async () => {
    const input = newCheck({ domainName: "Create.Example", target: "create.example" });
    const { check, created } = await createCheck(db, input);
    expect(created).toBe(true);
    expect(check).toMatchObject({ id: input.id, kind: "domain", status: "queued", mx: input.mx });
    expect(check.domainId).not.toBeNull();
    const vantages = await listVantages(db, input.id);
    expect(vantages.map((vantage) => vantage.id)).toEqual(input.vantages.map((v) => v.id));
    expect(vantages.every((vantage) => vantage.status === "pending")).toBe(true);

    const again = await createCheck(db, newCheck({ domainName: "create.example" }));
    expect(again.check.domainId).toBe(check.domainId);
  });

  it("stores a host check without a domain", async () => {
    const { check } = await createCheck(db, newCheck({ kind: "host", domainName: null }));
    expect(check.domainId).toBeNull();
    expect(check.target).toBe("mx.example.net");
  });

  it("stores more vantages than one statement can bind", async () => {
    const addresses = Array.from({ length: 12 }, (_, index) => `198.51.100.${index + 1}`);
    const input = newCheck({ vantages: vantagesFor("mx1.example.com", 10, addresses) });
    await createCheck(db, input);
    expect(await listVantages(db, input.id)).toHaveLength(24);
  });

  it("returns the existing check for a repeated idempotency key", async () => {
    const idempotencyKey = uniqueId("key");
    const original = await createCheck(db, newCheck({ idempotencyKey }));
    const repeat = await createCheck(db, newCheck({ idempotencyKey }));
    expect(repeat.created).toBe(false);
    expect(repeat.check).toEqual(original.check);
  });

  it("creates one check when two requests with one key race", async () => {
    const idempotencyKey = uniqueId("key");
    const inputs = [newCheck({ idempotencyKey }), newCheck({ idempotencyKey })];
    const outcomes = await Promise.all(inputs.map((input) => createCheck(db, input)));
    expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
    const winner = first(outcomes.filter((outcome) => outcome.created)).check;
    expect(outcomes.map((outcome) => outcome.check.id)).toEqual([winner.id, winner.id]);
    const loser = first(inputs.filter((input) => input.id !== winner.id));
    expect(await findCheck(db, loser.id)).toBeNull();
    expect(await listVantages(db, loser.id)).toEqual([]);
  });
});

describe("saveVantageResult", () => {
  it("stores 29 cases and the transcript, and ignores a retried delivery", async () => {
    const input = newCheck();
    await createCheck(db, input);
    const vantage = first(input.vantages);
    const response = probeResponse(vantage, 29, "closed");

    expect(await saveVantageResult(db, vantage.id, response, 5_000)).toBe(true);
    expect(await saveVantageResult(db, vantage.id, response, 6_000)).toBe(false);

    const stored = await db
      .select()
      .from(caseResults)
      .where(eq(caseResults.vantageResultId, vantage.id))
      .orderBy(caseResults.id);
    expect(stored.map((row) => row.caseId)).toEqual(response.result.cases.map((c) => c.id));
    expect(first(stored)).toMatchObject({
      recipientKind: "foreign",
      replyCode: 554,
      replyEnhanced: "5.7.1",
      replyText: "Relay access denied",
    });
    const [transcript] = await db
      .select()
      .from(transcripts)
      .where(eq(transcripts.vantageResultId, vantage.id));
    expect(transcript?.lines).toEqual(response.result.transcript);
    const [row] = (await listVantages(db, input.id)).filter((v) => v.id === vantage.id);
    expect(row).toMatchObject({
      status: "done",
      verdict: "closed",
      reason: "refused every case",
      startedAt: Date.parse("2026-07-01T10:00:00.000Z"),
      finishedAt: Date.parse("2026-07-01T10:00:02.500Z"),
      durationMs: 2500,
      banner: "220 mx1.example.com ESMTP",
      extensions: ["PIPELINING", "STARTTLS"],
      names: response.result.names,
      tls: null,
    });
  });

  it("stores one copy when two deliveries of a result race", async () => {
    const input = newCheck();
    await createCheck(db, input);
    const vantage = first(input.vantages);
    const response = probeResponse(vantage, 29, "closed");
    const saved = await Promise.all([
      saveVantageResult(db, vantage.id, response, 5_000),
      saveVantageResult(db, vantage.id, response, 5_001),
    ]);
    expect(saved.filter(Boolean)).toHaveLength(1);
    expect(await caseCount(vantage.id)).toBe(29);
  });

  it("refuses an answer from a node the vantage was not given to", async () => {
    const input = newCheck();
    await createCheck(db, input);
    const [mine, other] = input.vantages;
    if (!mine || !other) throw new Error("fixture has two vantages");
    await expect(
      saveVantageResult(db, mine.id, probeResponse(other, 1, "closed"), 5_000),
    ).rejects.toThrow(/belongs to node node-fra/);
  });
});

describe("failVantage", () => {
  it("fails a pending vantage once and leaves finished ones alone", async () => {
    const input = newCheck();
    await createCheck(db, input);
    const [done, pending] = input.vantages;
    if (!done || !pending) throw new Error("fixture has two vantages");
    await saveVantageResult(db, done.id, probeResponse(done, 3, "closed"), 5_000);

    expect(await failVantage(db, pending.id, "node unreachable", 6_000)).toBe(true);
    expect(await failVantage(db, pending.id, "second reason", 7_000)).toBe(false);
    expect(await failVantage(db, done.id, "too late", 7_000)).toBe(false);
    // A late answer must not overwrite the failure the check's verdict may already include.
    expect(await saveVantageResult(db, pending.id, probeResponse(pending, 3, "open"), 8_000)).toBe(
      false,
    );

    const rows = await listVantages(db, input.id);
    expect(rows.find((row) => row.id === pending.id)).toMatchObject({
      status: "failed",
      verdict: "inconclusive",
      reason: "node unreachable",
      finishedAt: 6_000,
    });
    expect(rows.find((row) => row.id === done.id)).toMatchObject({
      status: "done",
      verdict: "closed",
    });
    expect(await caseCount(pending.id)).toBe(0);
  });
});

describe("finishCheckIfComplete", () => {
  it("waits while vantages are pending before the deadline", async () => {
    const input = newCheck();
    await createCheck(db, input);
    expect(await finishCheckIfComplete(db, input.id, 5_000, worstVerdict)).toBeNull();
    expect((await findCheck(db, input.id))?.status).toBe("queued");
  });

  it("finishes once every vantage has answered, and only once", async () => {
    const input = newCheck();
    await createCheck(db, input);
    expect(await markCheckRunning(db, input.id, 2_000)).toBe(true);
    expect(await markCheckRunning(db, input.id, 2_001)).toBe(false);
    const [closed, open] = input.vantages;
    if (!closed || !open) throw new Error("fixture has two vantages");
    await saveVantageResult(db, closed.id, probeResponse(closed, 2, "closed"), 3_000);
    await saveVantageResult(db, open.id, probeResponse(open, 2, "open"), 3_000);

    const seen: VantageRow[][] = [];
    const decide = (vantages: VantageRow[]) => {
      seen.push(vantages);
      return { ...worstVerdict(vantages), summary: "open from us-east only" };
    };
    const [finished, again] = await Promise.all([
      finishCheckIfComplete(db, input.id, 4_000, decide),
      finishCheckIfComplete(db, input.id, 4_001, decide),
    ]);
    const winner = finished ?? again;
    expect([finished, again].filter((check) => check !== null)).toHaveLength(1);
    expect(winner).toMatchObject({
      status: "done",
      verdict: "open",
      reason: "2 vantages",
      summary: "open from us-east only",
      startedAt: 2_000,
    });
    expect(first(seen).map((vantage) => vantage.status)).toEqual(["done", "done"]);
    expect(await finishCheckIfComplete(db, input.id, 5_000, decide)).toBeNull();
  });

  it("fails vantages still pending at the deadline and finishes with the rest", async () => {
    const input = newCheck({ deadlineAt: 10_000 });
    await createCheck(db, input);
    const [answered, silent] = input.vantages;
    if (!answered || !silent) throw new Error("fixture has two vantages");
    await saveVantageResult(db, answered.id, probeResponse(answered, 2, "closed"), 3_000);

    const finished = await finishCheckIfComplete(db, input.id, 10_000, worstVerdict);
    expect(finished).toMatchObject({ status: "done", verdict: "inconclusive", finishedAt: 10_000 });
    const rows = await listVantages(db, input.id);
    expect(rows.find((row) => row.id === silent.id)).toMatchObject({
      status: "failed",
      verdict: "inconclusive",
      reason: "no answer from node-iad (us-east) by the deadline",
      finishedAt: 10_000,
    });
  });

  it("marks the check failed when no vantage answered by the deadline", async () => {
    const input = newCheck({ deadlineAt: 10_000 });
    await createCheck(db, input);
    const finished = await finishCheckIfComplete(db, input.id, 12_000, worstVerdict);
    expect(finished).toMatchObject({ status: "failed", verdict: "inconclusive" });
  });
});

describe("overdueChecks", () => {
  it("lists unfinished checks past their deadline, oldest first", async () => {
    // Far-off times keep this clear of the other tests' checks.
    const late = newCheck({ deadlineAt: 50_000_000 });
    const later = newCheck({ deadlineAt: 50_000_001 });
    const finished = newCheck({ deadlineAt: 50_000_000, vantages: [] });
    const future = newCheck({ deadlineAt: 60_000_000 });
    for (const input of [later, late, finished, future]) await createCheck(db, input);
    await finishCheckIfComplete(db, finished.id, 1_000, worstVerdict);

    const overdue = await overdueChecks(db, 55_000_000, 100);
    expect(
      overdue.filter((id) => [late, later, finished, future].some((c) => c.id === id)),
    ).toEqual([late.id, later.id]);
    expect(await overdueChecks(db, 55_000_000, 1)).toHaveLength(1);
  });
});

describe("getCheckView", () => {
  it("groups vantages by MX host, then address, with cases and transcripts", async () => {
    const backup = vantagesFor("mx2.view.example", 20, ["203.0.113.20"]);
    const primary = vantagesFor("mx1.view.example", 10, ["203.0.113.10", "2001:db8::10"]);
    const input = newCheck({ domainName: "view.example", vantages: [...backup, ...primary] });
    await createCheck(db, input);
    const answered = first(primary);
    const response = probeResponse(answered, 4, "closed");
    await saveVantageResult(db, answered.id, response, 3_000);

    const view = await getCheckView(db, input.id);
    if (!view) throw new Error("the check exists");
    expect(view.domainName).toBe("view.example");
    expect(view.check.id).toBe(input.id);
    expect(
      view.mxHosts.map((host) => ({
        host: host.host,
        preference: host.preference,
        addresses: host.addresses.map((address) => ({
          address: address.address,
          nodes: address.vantages.map((vantage) => vantage.nodeId),
        })),
      })),
    ).toEqual([
      {
        host: "mx1.view.example",
        preference: 10,
        addresses: [
          { address: "203.0.113.10", nodes: ["node-fra", "node-iad"] },
          { address: "2001:db8::10", nodes: ["node-fra", "node-iad"] },
        ],
      },
      {
        host: "mx2.view.example",
        preference: 20,
        addresses: [{ address: "203.0.113.20", nodes: ["node-fra", "node-iad"] }],
      },
    ]);
    const [withResult, withoutResult] = first(first(view.mxHosts).addresses).vantages;
    expect(withResult?.cases.map((row) => row.caseId)).toEqual(
      response.result.cases.map((c) => c.id),
    );
    expect(withResult?.transcript).toEqual(response.result.transcript);
    expect(withoutResult).toMatchObject({ status: "pending", cases: [], transcript: null });
  });

  it("returns null for an unknown check", async () => {
    expect(await getCheckView(db, "no-such-check")).toBeNull();
  });
});

describe("latestCheckForDomain", () => {
  it("returns the newest check of the domain", async () => {
    const older = newCheck({ domainName: "latest.example", now: 1_000 });
    const newest = newCheck({ domainName: "LATEST.example", now: 3_000 });
    const middle = newCheck({ domainName: "latest.example", now: 2_000 });
    const elsewhere = newCheck({ domainName: "other.example", now: 9_000 });
    for (const input of [older, newest, middle, elsewhere]) await createCheck(db, input);

    expect((await latestCheckForDomain(db, "Latest.Example"))?.id).toBe(newest.id);
    expect(await latestCheckForDomain(db, "never-checked.example")).toBeNull();
  });

  it("walks the (domain_id, created_at) index without sorting", async () => {
    const query = latestCheckForDomainQuery(db, "latest.example").toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const plan = results.map((row) => row.detail).join("\n");
    expect(plan).toContain("checks_domain_created_idx");
    expect(plan).not.toContain("TEMP B-TREE");
  });
});
