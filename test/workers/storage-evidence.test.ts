import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  expireEvidence,
  expireOutcomes,
} from "../../workers/coordinator/src/evidence/retention.ts";
import { CANARY_DOMAIN, TEST_NODES } from "./coordinator-env.ts";
import {
  callMain,
  createCheck,
  db,
  getCheck,
  reportVantages,
  runQueue,
  runScheduled,
  standIn,
} from "./coordinator-helpers.ts";
import { deliver, deliveryCount, provenCheck, tokenOf } from "./proof-fixtures.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

async function objectKeys(checkId: string): Promise<string[]> {
  const listed = await env.EVIDENCE.list({ prefix: `checks/${checkId}/` });
  return listed.objects.map((object) => object.key).sort();
}

/**
 * A finished check of the lab's `open` domain (3 addresses x 3 vantages), closed everywhere:
 * the whole catalogue on port 25, the badge's port, so the badge speaks of it.
 */
async function domainCheck(): Promise<string> {
  const created = await createCheck({ domain: "open.lab.test" });
  expect(created.response.status).toBe(202);
  await standIn.script(
    created.body.id,
    Object.fromEntries(TEST_NODES.map((node) => [node.id, { kind: "result", verdict: "closed" }])),
  );
  await runQueue(created.messages);
  return created.body.id;
}

/** Moves every check stored so far `days` into the past, keeping their order. */
async function ageEveryCheck(days: number): Promise<void> {
  await env.DB.prepare(
    "update checks set created_at = created_at - ?, finished_at = finished_at - ?",
  )
    .bind(days * DAY_MS, days * DAY_MS)
    .run();
}

describe("evidence in R2", () => {
  it("the API and the page show every vantage's transcript from R2, and say so when one expired", async () => {
    const id = await provenCheck();
    const keys = await objectKeys(id);
    expect(keys).toHaveLength(3);
    const report = await getCheck(id);
    const vantages = reportVantages(report);
    expect(vantages.map((vantage) => vantage.evidence)).toEqual(["stored", "stored", "stored"]);
    for (const vantage of vantages) {
      expect(vantage.transcript?.length).toBeGreaterThan(0);
      expect(vantage.cases.every((c) => c.mailFrom !== null && c.reply !== null)).toBe(true);
    }
    // The page's transcripts are its plain-text download (and each case's exchange).
    const text = await (await callMain(`/report/${id}/transcripts.txt`)).text();
    const serverLine = vantages[0]?.transcript?.find((line) => line.dir === "server")?.line ?? "";
    expect(serverLine).not.toBe("");
    expect(text).toContain(serverLine);

    // The first vantage's object is gone, as retention or the lifecycle rule would leave it.
    const [expiredKey] = keys;
    await env.EVIDENCE.delete(expiredKey ?? "");
    const after = reportVantages(await getCheck(id));
    const expired = after.find((vantage) => vantage.evidence === "expired");
    expect(after.filter((vantage) => vantage.evidence === "stored")).toHaveLength(2);
    expect(expired).toMatchObject({ transcript: null, status: "done" });
    // Outcomes stay in D1: each case still says what happened, without the details.
    expect(expired?.cases).toHaveLength(vantages[0]?.cases.length ?? -1);
    expect(expired?.cases.every((c) => c.mailFrom === null && c.outcome !== undefined)).toBe(true);
    const page = await (await callMain(`/report/${id}`)).text();
    expect(page).toContain(
      "The SMTP log and the replies of this vantage have expired: they are kept for 90 days.",
    );
    expect(await (await callMain(`/report/${id}/transcripts.txt`)).text()).toContain(serverLine);
  });
});

describe("retention", () => {
  it("expires evidence, then outcomes, in bounded sweeps; badge, history and report still answer", async () => {
    const oldDomainCheck = await domainCheck();
    const oldProven = await provenCheck();
    const token = await tokenOf(oldProven, "accepted");
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([]);
    expect(await deliveryCount(oldProven)).toBe(1);
    await ageEveryCheck(100);
    const recent = await provenCheck();

    // Evidence: 90 days. One check per sweep here, to show a sweep stops at its bound.
    const evidenceBefore = Date.now() - 90 * DAY_MS;
    while ((await objectKeys(oldDomainCheck)).length > 0) {
      expect(await expireEvidence(db, env.EVIDENCE, evidenceBefore, 1)).toBe(1);
    }
    expect(await objectKeys(oldProven)).toHaveLength(3);
    // The cron does the rest, and stops at the first check still within retention.
    await runScheduled();
    expect(await objectKeys(oldProven)).toEqual([]);
    expect(await objectKeys(recent)).toHaveLength(3);
    expect(await expireEvidence(db, env.EVIDENCE, evidenceBefore, 100)).toBe(0);

    const report = await getCheck(oldProven);
    expect(report).toMatchObject({ status: "done", verdict: "open", proof: "confirmed" });
    expect(reportVantages(report).every((vantage) => vantage.evidence === "expired")).toBe(true);
    expect(reportVantages(report).every((vantage) => vantage.cases.length > 0)).toBe(true);

    // Outcomes: a year, here as if those checks were 400 days old.
    await env.DB.prepare(
      "update checks set created_at = created_at - ? where rowid <= (select rowid from checks where id = ?)",
    )
      .bind(300 * DAY_MS, oldProven)
      .run();
    expect(await expireOutcomes(db, Date.now() - 365 * DAY_MS, 100)).toBeGreaterThanOrEqual(2);
    expect(await deliveryCount(oldProven)).toBe(0);
    const bare = await getCheck(oldProven);
    expect(bare).toMatchObject({ verdict: "open", proof: "confirmed" });
    expect(reportVantages(bare).every((vantage) => vantage.cases.length === 0)).toBe(true);
    const page = await (await callMain(`/report/${oldProven}`)).text();
    expect(page).toContain(
      "The case outcomes of this vantage have expired: they are kept for 365 days.",
    );
    expect(reportVantages(await getCheck(recent)).every((v) => v.cases.length > 0)).toBe(true);

    // Verdicts are kept: with every check's evidence and outcomes gone, even a fresh one's, the
    // history still lists them and the badge reads what it read before.
    const fresh = await domainCheck();
    const badgeBefore = await (await callMain("/badge/open.lab.test.svg")).text();
    expect(badgeBefore).toContain("closed");
    await expireEvidence(db, env.EVIDENCE, Date.now() + 1, 100);
    await expireOutcomes(db, Date.now() + 1, 100);
    expect(await objectKeys(fresh)).toEqual([]);
    expect(await (await callMain("/badge/open.lab.test.svg")).text()).toBe(badgeBefore);
    const history = await callMain("/api/v1/domains/open.lab.test/history");
    expect(history.status).toBe(200);
    const listed = JSON.stringify(await history.json());
    expect(listed).toContain(oldDomainCheck);
    expect(listed).toContain(fresh);
  });
});
