import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  createCheck,
  failVantage,
  findCheck,
  finishCheckIfComplete,
  listVantages,
  markCheckRunning,
  overdueChecks,
  saveVantageResult,
  type VantageRow,
} from "../../workers/coordinator/src/db/repository.ts";
import { caseResults, transcripts } from "../../workers/coordinator/src/db/schema.ts";
import { caseCount, db, first, newCheck, probeResponse, worstVerdict } from "./db-fixtures.ts";

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
