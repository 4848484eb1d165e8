import { describe, expect, it } from "vitest";
import {
  createCheck,
  failVantage,
  findCheck,
  finishCheckIfComplete,
  getCheckView,
  listVantages,
  markVantageAsked,
  overdueChecks,
  saveVantageResult,
  type VantageRow,
} from "../../workers/coordinator/src/db/repository.ts";
import { MAX_SLOT_WAIT_MS } from "../../workers/coordinator/src/nodes/leases.ts";
import {
  bucket,
  caseCount,
  db,
  evidenceKeys,
  first,
  newCheck,
  probeResponse,
  worstVerdict,
} from "./db-fixtures.ts";

describe("saveVantageResult", () => {
  it("packs 29 outcomes into the vantage row, puts the evidence in R2, and ignores a retry", async () => {
    const input = newCheck();
    await createCheck(db, input);
    const vantage = first(input.vantages);
    const response = probeResponse(vantage, 29, "closed");

    expect(await saveVantageResult(db, vantage.id, response, 5_000, bucket)).toBe(true);
    expect(await saveVantageResult(db, vantage.id, response, 6_000, bucket)).toBe(false);

    const [row] = (await listVantages(db, input.id)).filter((v) => v.id === vantage.id);
    expect(row).toMatchObject({
      status: "done",
      verdict: "closed",
      reason: "refused every case",
      startedAt: Date.parse("2026-07-01T10:00:00.000Z"),
      finishedAt: Date.parse("2026-07-01T10:00:02.500Z"),
      durationMs: 2500,
      banner: "220 mx1.example.com ESMTP",
      // Refused at RCPT, 29 times: D1 holds two characters per case and nothing bulky.
      outcomes: "r5".repeat(29),
      names: null,
      extensions: null,
      tls: null,
    });
    // One object, the retry's own was removed again.
    expect(await evidenceKeys(input.id)).toEqual([
      `checks/${input.id}/${vantage.id}.${row?.evidenceId}.json.gz`,
    ]);
    const view = await getCheckView(db, input.id, bucket);
    const stored = view?.mxHosts[0]?.addresses[0]?.vantages.find((v) => v.id === vantage.id);
    expect(stored?.evidence).toBe("stored");
    expect(stored?.transcript).toEqual(response.result.transcript);
    expect(stored?.extensions).toEqual(["PIPELINING", "STARTTLS"]);
    expect(stored?.names).toEqual(response.result.names);
    expect(stored?.cases.map((c) => c.detail)).toEqual(response.result.cases);
    expect(first(stored?.cases ?? [])).toMatchObject({
      index: 0,
      caseId: "case-00",
      outcome: "refused",
      step: "rcpt",
      messageSent: false,
    });
  });

  it("stores one copy when two deliveries of a result race", async () => {
    const input = newCheck();
    await createCheck(db, input);
    const vantage = first(input.vantages);
    const response = probeResponse(vantage, 29, "closed");
    const saved = await Promise.all([
      saveVantageResult(db, vantage.id, response, 5_000, bucket),
      saveVantageResult(db, vantage.id, response, 5_001, bucket),
    ]);
    expect(saved.filter(Boolean)).toHaveLength(1);
    expect(await caseCount(vantage.id)).toBe(29);
    // The losing answer's object is deleted: one object, the one D1 names.
    expect(await evidenceKeys(input.id)).toHaveLength(1);
  });

  it("refuses an answer from a node the vantage was not given to", async () => {
    const input = newCheck();
    await createCheck(db, input);
    const [mine, other] = input.vantages;
    if (!mine || !other) throw new Error("fixture has two vantages");
    await expect(
      saveVantageResult(db, mine.id, probeResponse(other, 1, "closed"), 5_000, bucket),
    ).rejects.toThrow(/belongs to node node-fra/);
  });
});

describe("failVantage", () => {
  it("fails a pending vantage once and leaves finished ones alone", async () => {
    const input = newCheck();
    await createCheck(db, input);
    const [done, pending] = input.vantages;
    if (!done || !pending) throw new Error("fixture has two vantages");
    await saveVantageResult(db, done.id, probeResponse(done, 3, "closed"), 5_000, bucket);

    expect(await failVantage(db, pending.id, "node unreachable", 6_000)).toBe(true);
    expect(await failVantage(db, pending.id, "second reason", 7_000)).toBe(false);
    expect(await failVantage(db, done.id, "too late", 7_000)).toBe(false);
    // A late answer must not overwrite the failure the check's verdict may already include.
    expect(
      await saveVantageResult(db, pending.id, probeResponse(pending, 3, "open"), 8_000, bucket),
    ).toBe(false);

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
    expect(await finishCheckIfComplete(db, input.id, 5_000, worstVerdict, 600_000)).toBeNull();
    expect((await findCheck(db, input.id))?.status).toBe("queued");
  });

  it("finishes once every vantage has answered, and only once", async () => {
    const input = newCheck();
    await createCheck(db, input);
    const [closed, open] = input.vantages;
    if (!closed || !open) throw new Error("fixture has two vantages");
    await saveVantageResult(db, closed.id, probeResponse(closed, 2, "closed"), 3_000, bucket);
    await saveVantageResult(db, open.id, probeResponse(open, 2, "open"), 3_000, bucket);

    const seen: VantageRow[][] = [];
    const decide = (vantages: VantageRow[]) => {
      seen.push(vantages);
      return { ...worstVerdict(vantages), summary: "open from us-east only" };
    };
    const [finished, again] = await Promise.all([
      finishCheckIfComplete(db, input.id, 4_000, decide, 600_000),
      finishCheckIfComplete(db, input.id, 4_001, decide, 600_000),
    ]);
    const winner = finished ?? again;
    expect([finished, again].filter((check) => check !== null)).toHaveLength(1);
    expect(winner).toMatchObject({
      status: "done",
      verdict: "open",
      reason: "2 vantages",
      summary: "open from us-east only",
      // The earliest probe start of its vantages (probeResponse: 10:00:00).
      startedAt: Date.parse("2026-07-01T10:00:00.000Z"),
    });
    expect(first(seen).map((vantage) => vantage.status)).toEqual(["done", "done"]);
    expect(await finishCheckIfComplete(db, input.id, 5_000, decide, 600_000)).toBeNull();
  });

  it("fails vantages still pending at the deadline and finishes with the rest", async () => {
    const input = newCheck({ deadlineAt: 10_000 });
    await createCheck(db, input);
    const [answered, silent] = input.vantages;
    if (!answered || !silent) throw new Error("fixture has two vantages");
    await saveVantageResult(db, answered.id, probeResponse(answered, 2, "closed"), 3_000, bucket);
    await markVantageAsked(db, { ...silent, checkId: input.id }, 2_000, 0);

    const finished = await finishCheckIfComplete(db, input.id, 10_000, worstVerdict, 600_000);
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
    for (const vantage of input.vantages) {
      await markVantageAsked(db, { ...vantage, checkId: input.id }, 2_000, 0);
    }
    const finished = await finishCheckIfComplete(db, input.id, 12_000, worstVerdict, 600_000);
    expect(finished).toMatchObject({ status: "failed", verdict: "inconclusive" });
  });

  it("keeps a check open past its deadline while a job waits for its node, then gives it up", async () => {
    const input = newCheck({ deadlineAt: 10_000 });
    await createCheck(db, input);
    const [asked, queued] = input.vantages;
    if (!asked || !queued) throw new Error("fixture has two vantages");
    // Asked at 2 s with a deadline of 10 s; the other job is still in the queue at 12 s.
    await markVantageAsked(db, { ...asked, checkId: input.id }, 2_000, 10_000);
    expect(await finishCheckIfComplete(db, input.id, 12_000, worstVerdict, 600_000)).toBeNull();
    const giveUpAt = 1_000 + MAX_SLOT_WAIT_MS;
    expect(await findCheck(db, input.id)).toMatchObject({ status: "queued", deadlineAt: giveUpAt });
    expect((await listVantages(db, input.id)).map((row) => row.status)).toEqual([
      "pending",
      "pending",
    ]);
    // It never got a slot: the node was never asked, which is not the silence of a node asked.
    const finished = await finishCheckIfComplete(db, input.id, giveUpAt, worstVerdict, 600_000);
    expect(finished).toMatchObject({ status: "failed", verdict: "inconclusive" });
    expect((await listVantages(db, input.id)).map((row) => [row.id, row.reason])).toEqual([
      [asked.id, "no answer from node-fra (eu-central) by the deadline"],
      [queued.id, "node node-iad (us-east) was never asked: no free slot for 10 minutes"],
    ]);
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
    await finishCheckIfComplete(db, finished.id, 1_000, worstVerdict, 600_000);

    const overdue = await overdueChecks(db, 55_000_000, 100);
    expect(
      overdue.filter((id) => [late, later, finished, future].some((c) => c.id === id)),
    ).toEqual([late.id, later.id]);
    expect(await overdueChecks(db, 55_000_000, 1)).toHaveLength(1);
  });
});
