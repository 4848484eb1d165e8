import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/coordinator/index.ts";
import type { CoordinatorEnv } from "../../workers/coordinator/src/env.ts";
import { insertApiKey } from "./access-fixtures.ts";
import { CANARY_DOMAIN, PROBE_QUEUE_NAME, TEST_NODES } from "./coordinator-env.ts";
import { postJson, recordingQueue, standIn } from "./coordinator-helpers.ts";
import { canaryMessage, tokenOf } from "./proof-fixtures.ts";

/*
 * Every query the coordinator runs on a check's way (admission and cool-down, dispatch, the
 * answers, the report and page, history, badge, canary mail, batches, the cron's sweepers and
 * retention) is recorded through a D1 binding that notes each statement, then EXPLAINed: none may
 * scan a table that grows with use. Recording rather than listing keeps new queries covered.
 */

/** Tables that grow with checks, domains or keys. The legacy tables only ever shrink. */
const LARGE_TABLES = [
  "checks",
  "vantage_results",
  "canary_deliveries",
  "domains",
  "batches",
  "batch_items",
  "webhook_deliveries",
  "badge_domains",
  "public_listings",
  "api_key_usage",
  "api_keys",
  "case_sets",
];

type Recorded = Map<string, unknown[]>;

/** A D1 binding that records every statement it prepares, with the values bound to it. */
function recordingD1(real: D1Database, seen: Recorded): D1Database {
  return new Proxy(real, {
    get(target, property) {
      if (property === "prepare") {
        return (query: string) => {
          const statement = target.prepare(query);
          if (!seen.has(query)) seen.set(query, []);
          const bind = statement.bind.bind(statement);
          statement.bind = (...values: unknown[]) => {
            seen.set(query, values);
            return bind(...values);
          };
          return statement;
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The full-table scans of large tables in a statement's plan. */
async function largeTableScans(query: string, values: unknown[]): Promise<string[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query}`)
    .bind(...values)
    .all<{ detail: string }>();
  return results
    .map((row) => row.detail)
    .filter((detail) => {
      const scanned = /^SCAN (\w+)/.exec(detail)?.[1];
      return scanned !== undefined && LARGE_TABLES.includes(scanned);
    });
}

async function fetchWith(recordingEnv: CoordinatorEnv, path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`https://coordinator.relaywatch.test${path}`, init),
    recordingEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** Runs the coordinator's consumer of `queue` on these message bodies. */
async function consume(recordingEnv: CoordinatorEnv, queue: string, bodies: unknown[]) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, index) => ({
      id: `${queue}-${index}`,
      timestamp: new Date(),
      attempts: 1,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, recordingEnv, ctx);
  await getQueueResult(batch, ctx);
}

describe("query plans", () => {
  it("flags a scan of a large table (the detector can fail)", async () => {
    expect(await largeTableScans("select id from checks where reason = ?", ["x"])).toEqual([
      "SCAN checks",
    ]);
  });

  it("every hot query uses an index", async () => {
    const seen: Recorded = new Map();
    const probeMessages: { checkId: string; vantageId: string }[] = [];
    const batchMessages: unknown[] = [];
    const recordingEnv = {
      ...env,
      DB: recordingD1(env.DB, seen),
      TARGET_COOLDOWN_SECONDS: "1",
      PROBE_QUEUE: recordingQueue(env.PROBE_QUEUE, probeMessages),
      BATCH_QUEUE: recordingQueue(env.BATCH_QUEUE, batchMessages),
    } as CoordinatorEnv;
    const key = await insertApiKey();

    // A check with proof and a webhook, by a key holder: admission, quota, cool-down, planning.
    const created = await fetchWith(
      recordingEnv,
      "/api/v1/checks",
      postJson(
        {
          domain: "open.lab.test",
          port: 2525,
          proof: true,
          webhook: "https://hooks.example.test/answer/200/plans",
        },
        key.authorization,
      ),
    );
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const [fra, iad, sin] = TEST_NODES.map((node) => node.id);
    await standIn.script(id, {
      [fra as string]: { kind: "result", verdict: "open" },
      [iad as string]: { kind: "result", verdict: "closed" },
      [sin as string]: { kind: "result", verdict: "closed" },
    });
    await consume(recordingEnv, PROBE_QUEUE_NAME, probeMessages);
    // A repeat inside the cool-down.
    expect(
      (
        await fetchWith(
          recordingEnv,
          "/api/v1/checks",
          postJson({ domain: "open.lab.test", port: 2525 }),
        )
      ).status,
    ).toBe(429);

    // Readers: the report, the page (with history), the domain history, the badge.
    expect((await fetchWith(recordingEnv, `/api/v1/checks/${id}`)).status).toBe(200);
    expect((await fetchWith(recordingEnv, `/report/${id}`)).status).toBe(200);
    expect((await fetchWith(recordingEnv, "/api/v1/domains/open.lab.test/history")).status).toBe(
      200,
    );
    expect((await fetchWith(recordingEnv, "/badge/open.lab.test.svg")).status).toBe(200);

    // Canary mail: the proof lookup by token.
    const token = await tokenOf(id, "accepted");
    const { message } = await canaryMessage({ to: `${token}@${CANARY_DOMAIN}` });
    await worker.email(message, recordingEnv);

    // A batch and its page.
    const batch = await fetchWith(
      recordingEnv,
      "/api/v1/batches",
      postJson({ domains: [{ domain: "open.lab.test", port: 2526 }] }, key.authorization),
    );
    expect(batch.status).toBe(202);
    const batchId = ((await batch.json()) as { id: string }).id;
    await consume(recordingEnv, "relaywatch-batch-jobs", batchMessages);
    expect(
      (
        await fetchWith(recordingEnv, `/api/v1/batches/${batchId}?page=1&per_page=10`, {
          headers: key.authorization,
        })
      ).status,
    ).toBe(200);

    // The cron: overdue checks, badge re-checks, batches, proofs, retention, the backfill.
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), recordingEnv);

    expect(seen.size).toBeGreaterThan(30);
    const scans: string[] = [];
    for (const [query, values] of seen) {
      for (const scan of await largeTableScans(query, values)) scans.push(`${scan}: ${query}`);
    }
    expect(scans).toEqual([]);
  });
});
