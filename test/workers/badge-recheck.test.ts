import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  RECHECKS_PER_RUN,
  recheckBadgeDomains,
} from "../../workers/coordinator/src/badge/recheck.ts";
import type { ProbeMessage } from "../../workers/coordinator/src/checks/messages.ts";
import type { CoordinatorEnv } from "../../workers/coordinator/src/env.ts";
import { badgeDomainRow, badgeMessage, DAY_MS, insertCheck } from "./badge-fixtures.ts";
import { TEST_ZONE } from "./coordinator-env.ts";
import { callMain, recordingQueue, runScheduled } from "./coordinator-helpers.ts";

/** Domains of this file: each resolves to one loopback address, its implicit MX. */
const RECHECK_ZONE = `${TEST_ZONE}
$ORIGIN recheck.test.
${Array.from({ length: 9 }, (_, index) => `d${index} IN A 127.0.0.9`).join("\n")}
`;

async function checksOf(domain: string) {
  const { results } = await env.DB.prepare(
    "select id, status, port, created_at from checks where target = ? order by created_at",
  )
    .bind(domain)
    .all<{ id: string; status: string; port: number; created_at: number }>();
  return results;
}

/** Runs the task with the file's zone and a queue that records what it is sent, then sends it. */
async function runRecheck(overrides: Partial<CoordinatorEnv> = {}) {
  const sent: ProbeMessage[] = [];
  const queue = recordingQueue(env.PROBE_QUEUE, sent);

  await recheckBadgeDomains(
    { ...env, DNS_ZONE: RECHECK_ZONE, PROBE_QUEUE: queue, ...overrides } as CoordinatorEnv,
    Date.now(),
  );
  return sent;
}

/** A domain with a stale closed check whose badge has been served. */
async function staleBadgeDomain(domain: string, port = 25) {
  await insertCheck({ domain, ageMs: 2 * DAY_MS, addresses: ["127.0.0.9"], port });
  expect((await callMain(`/badge/${domain}.svg`)).status).toBe(200);
}

describe("scheduled badge re-checks", () => {
  it("re-checks stale badge domains, at most RECHECKS_PER_RUN per run", async () => {
    const domains = Array.from({ length: RECHECKS_PER_RUN + 2 }, (_, i) => `d${i}.recheck.test`);
    for (const domain of domains) await staleBadgeDomain(domain);

    const firstRun = await runRecheck();
    const rechecked = [];
    for (const domain of domains) if ((await checksOf(domain)).length === 2) rechecked.push(domain);
    expect(rechecked).toHaveLength(RECHECKS_PER_RUN);
    // One address, three vantages allowed on port 25: three jobs per new check.
    expect(firstRun).toHaveLength(RECHECKS_PER_RUN * 3);
    const [, newest] = await checksOf(rechecked[0] ?? "");
    expect(newest).toMatchObject({ status: "queued", port: 25 });
    expect((await badgeDomainRow(rechecked[0] ?? ""))?.last_recheck_at).toBe(newest?.created_at);

    await runRecheck();
    for (const domain of domains) expect(await checksOf(domain)).toHaveLength(2);
    // Everything is fresh now: nothing more to do.
    expect(await runRecheck()).toEqual([]);
  });

  it("re-checks with the badge's own settings, whatever checks others ran since", async () => {
    const domain = "d7.recheck.test";
    await staleBadgeDomain(domain);
    // A stranger's newer checks: another port, and one case only. Neither speaks for the badge.
    await insertCheck({ domain, ageMs: DAY_MS + 1, addresses: ["127.0.0.9"], port: 587 });
    await insertCheck({
      domain,
      ageMs: DAY_MS,
      addresses: ["127.0.0.9"],
      caseIds: ["canary-sender"],
    });
    expect(await runRecheck({ BADGE_RECHECK_HOURS: "72" })).toEqual([]);
    await runRecheck({ BADGE_RECHECK_HOURS: "24" });
    const newest = (await checksOf(domain)).at(-1);
    expect(newest?.port).toBe(25);
    const mx = await env.DB.prepare("select mx_json from checks where id = ?")
      .bind(newest?.id)
      .first<{ mx_json: string }>();
    expect(JSON.parse(mx?.mx_json ?? "{}").caseIds).toBeNull();
  });

  it("re-checks on the port of the owner's verified listing", async () => {
    const domain = "d8.recheck.test";
    await staleBadgeDomain(domain, 587);
    await env.DB.prepare(
      "insert into public_listings (domain, token, port, requested_at, verified_at) values (?, 't', 587, ?, ?)",
    )
      .bind(domain, Date.now(), Date.now())
      .run();
    await runRecheck();
    expect((await checksOf(domain)).at(-1)?.port).toBe(587);
  });

  it("leaves alone badges not served for 30 days and domains checked recently", async () => {
    const unused = "unused.recheck.test";
    await staleBadgeDomain(unused);
    await env.DB.prepare("update badge_domains set last_served_at = ? where domain = ?")
      .bind(Date.now() - 31 * DAY_MS, unused)
      .run();
    const fresh = "fresh.recheck.test";
    await insertCheck({ domain: fresh, ageMs: 60 * 60 * 1000, addresses: ["127.0.0.9"] });
    await callMain(`/badge/${fresh}.svg`);
    expect(await runRecheck()).toEqual([]);
    expect(await checksOf(unused)).toHaveLength(1);
    expect(await checksOf(fresh)).toHaveLength(1);
  });

  it("turns the badge grey at once when a re-check cannot start, and waits an interval", async () => {
    const domain = "gone.recheck.test";
    await staleBadgeDomain(domain);
    expect(badgeMessage(await (await callMain(`/badge/${domain}.svg`)).text())).toBe("closed");
    // Not in RECHECK_ZONE: the domain left DNS, so startCheck refuses and creates nothing.
    expect(await runRecheck()).toEqual([]);
    expect(await checksOf(domain)).toHaveLength(1);
    const response = await callMain(`/badge/${domain}.svg`);
    expect(badgeMessage(await response.text())).toBe("unknown");
    expect(response.headers.get("x-relaywatch-reason")).toMatch(/re-check could not start/);
    // Not retried every minute: the failed attempt counts as the re-check of this interval.
    expect(await runRecheck({ DNS_ZONE: `${RECHECK_ZONE}\ngone IN A 127.0.0.9\n` })).toEqual([]);
  });

  it("runs from the cron handler", async () => {
    // implicit.example is in the coordinator's own zone (TEST_ZONE).
    const domain = "implicit.example";
    await staleBadgeDomain(domain);
    await runScheduled();
    const rows = await checksOf(domain);
    expect(rows).toHaveLength(2);
    const pending = await env.DB.prepare(
      "select count(*) as n from vantage_results where check_id = ? and status = 'pending'",
    )
      .bind(rows[1]?.id)
      .first<{ n: number }>();
    expect(pending?.n).toBe(3);
  });
});
