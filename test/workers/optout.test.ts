import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ZoneResolver } from "../../shared/dns/zone-resolver.ts";
import worker from "../../workers/coordinator/index.ts";
import { recheckBadgeDomains } from "../../workers/coordinator/src/badge/recheck.ts";
import type { BatchSliceMessage } from "../../workers/coordinator/src/batches/messages.ts";
import { planCheck } from "../../workers/coordinator/src/checks/plan.ts";
import { openDatabase } from "../../workers/coordinator/src/db/repository.ts";
import { readConfig } from "../../workers/coordinator/src/env.ts";
import { loadRegistry } from "../../workers/coordinator/src/nodes/registry.ts";
import { OptOutCheck } from "../../workers/coordinator/src/optout/check.ts";
import { parseOptOutEntry } from "../../workers/coordinator/src/optout/entry.ts";
import { insertApiKey } from "./access-fixtures.ts";
import { DAY_MS, insertCheck } from "./badge-fixtures.ts";
import { TEST_ZONE } from "./coordinator-env.ts";
import {
  callMain,
  callWithEnv,
  createCheck,
  expectApiError,
  getCheck,
  postJson,
  recordingQueue,
  reportVantages,
  runTask,
} from "./coordinator-helpers.ts";

/**
 * Opting out (issue 14): by the domain's TXT record, by the address's reverse-zone TXT record
 * and by the operator's list, on every path a check can start from. Zone: optout.test in
 * test/workers/coordinator-env.ts.
 */

async function checksOf(target: string): Promise<number> {
  const row = await env.DB.prepare("select count(*) as n from checks where target = ?")
    .bind(target)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function quotaUsed(apiKeyId: string): Promise<number> {
  const row = await env.DB.prepare("select checks from api_key_usage where api_key_id = ?")
    .bind(apiKeyId)
    .first<{ checks: number }>();
  return row?.checks ?? 0;
}

/** As `npm run admin -- add-optout` stores an entry. */
async function addOperatorOptOut(text: string): Promise<() => Promise<void>> {
  const entry = parseOptOutEntry(text);
  if (entry === null) throw new Error(`not an entry: ${text}`);
  await env.DB.prepare(
    "insert into opt_outs (id, kind, value, note, created_at) values (?, ?, ?, ?, ?)",
  )
    .bind(crypto.randomUUID(), entry.kind, entry.value, "test", Date.now())
    .run();
  return async () => {
    await env.DB.prepare("delete from opt_outs where kind = ? and value = ?")
      .bind(entry.kind, entry.value)
      .run();
  };
}

describe("opting out by the domain's TXT record", () => {
  it("answers 403 target_opted_out with how to opt back in, and starts nothing", async () => {
    const refused = await createCheck({ domain: "Owner.optout.test." });
    const message = await expectApiError(refused.response, 403, "target_opted_out");
    expect(message).toContain('_relaywatch.owner.optout.test "v=rw1; optout"');
    expect(message).toMatch(/its owner removes that record/);
    expect(refused.messages).toEqual([]);
    expect(await checksOf("owner.optout.test")).toBe(0);
  });

  it("covers the name it is published under, not other names", async () => {
    // The mail host's own name publishes nothing, nor does its address's reverse zone.
    const host = await createCheck({ host: "mx.owner.optout.test", port: 25 });
    expect(host.response.status).toBe(202);
  });

  it("does not read a public-list token under the same label as an opt-out", async () => {
    const created = await createCheck({ domain: "listed.optout.test" });
    expect(created.response.status).toBe(202);
  });

  it("refuses on the page too, in the page's language, with the instructions", async () => {
    const form = new URLSearchParams({ target: "owner.optout.test" });
    const init = {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "accept-language": "ja" },
      body: form.toString(),
    };
    const response = await callMain("/check", init);
    expect(response.status).toBe(403);
    const html = await response.text();
    expect(html).toContain("オプトアウト");
    expect(html).toContain("_relaywatch.owner.optout.test");
    expect(await checksOf("owner.optout.test")).toBe(0);
  });

  it("takes no quota from a key holder", async () => {
    const key = await insertApiKey();
    const refused = await createCheck({ domain: "owner.optout.test" }, key.authorization);
    await expectApiError(refused.response, 403, "target_opted_out");
    expect(await quotaUsed(key.id)).toBe(0);
  });
});

describe("opting out by the address's reverse-zone TXT record", () => {
  it("covers every name whose MX points at the address", async () => {
    for (const domain of ["shared-a.optout.test", "shared-b.optout.test"]) {
      const refused = await createCheck({ domain });
      const message = await expectApiError(refused.response, 403, "target_opted_out");
      expect(message).toContain("_relaywatch.22.0.0.127.in-addr.arpa");
      expect(message).toMatch(/address's owner removes that record/);
    }
  });

  it("covers the address typed as a host, in any spelling", async () => {
    await expectApiError(
      (await createCheck({ host: "127.0.0.22", port: 25 })).response,
      403,
      "target_opted_out",
    );
    await expectApiError(
      (await createCheck({ host: "::ffff:127.0.0.22", port: 25 })).response,
      403,
      "target_opted_out",
    );
  });

  it("tests the other addresses of a domain and lists the opted-out one as not tested", async () => {
    const created = await createCheck({ domain: "partial.optout.test" });
    expect(created.response.status).toBe(202);
    const report = await getCheck(created.body.id);
    expect(reportVantages(report).map((vantage) => vantage.address)).toEqual(
      expect.arrayContaining(["127.0.0.23"]),
    );
    expect(reportVantages(report).some((vantage) => vantage.address === "127.0.0.22")).toBe(false);
    expect(report.refusedAddresses).toEqual([
      expect.objectContaining({ host: "mx.provider.optout.test", address: "127.0.0.22" }),
    ]);
    expect(report.refusedAddresses[0]?.reason).toMatch(/opted out/);
  });
});

describe("the operator's opt-out list", () => {
  it("refuses a listed domain and its subdomains, naming the abuse contact", async () => {
    const remove = await addOperatorOptOut("OPERATOR.optout.test.");
    try {
      const refused = await createCheck({ domain: "operator.optout.test" });
      const message = await expectApiError(refused.response, 403, "target_opted_out");
      expect(message).toMatch(/on Relaywatch's opt-out list/);
      expect(message).toContain("abuse@relaywatch.dev");
      const host = await createCheck({ host: "mx.operator.optout.test", port: 25 });
      await expectApiError(host.response, 403, "target_opted_out");
    } finally {
      await remove();
    }
    // Removed from the list: checked again at once (D1 is not cached).
    expect((await createCheck({ domain: "operator.optout.test" })).response.status).toBe(202);
  });

  it("refuses addresses in a listed network", async () => {
    const remove = await addOperatorOptOut("127.0.0.24/31");
    try {
      const refused = await createCheck({ host: "127.0.0.25", port: 25 });
      await expectApiError(refused.response, 403, "target_opted_out", /127\.0\.0\.24\/31/);
    } finally {
      await remove();
    }
  });

  it("names the configured abuse contact", async () => {
    const remove = await addOperatorOptOut("operator.optout.test");
    try {
      const refused = await createCheck(
        { domain: "operator.optout.test" },
        {},
        { ABUSE_CONTACT: "noc@probes.example" },
      );
      await expectApiError(refused.response, 403, "target_opted_out", /noc@probes\.example/);
    } finally {
      await remove();
    }
  });
});

describe("opt-outs on the other entry paths", () => {
  it("refuses an opted-out item of a batch, which takes no quota, and runs the others", async () => {
    const key = await insertApiKey();
    const slices: BatchSliceMessage[] = [];
    const response = await callWithEnv(
      "/api/v1/batches",
      postJson({ domains: ["batch-owner.optout.test", "batch-ok.optout.test"] }, key.authorization),
      { BATCH_QUEUE: recordingQueue(env.BATCH_QUEUE, slices as unknown[]) },
    );
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect(await quotaUsed(key.id)).toBe(2);

    const batch = createMessageBatch<unknown>(
      "relaywatch-batch-jobs",
      slices.map((body, index) => ({
        id: `optout-${index}`,
        timestamp: new Date(),
        attempts: 1,
        body,
      })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    await getQueueResult(batch, ctx);
    // A redelivered slice gives nothing back twice.
    const again = createMessageBatch<unknown>(
      "relaywatch-batch-jobs",
      slices.map((body, index) => ({
        id: `optout-again-${index}`,
        timestamp: new Date(),
        attempts: 2,
        body,
      })),
    );
    await worker.queue(again, env, ctx);

    const page = await callMain(`/api/v1/batches/${id}`, { headers: key.authorization });
    const items = (
      (await page.json()) as { items: { domain: string; status: string; error: string | null }[] }
    ).items;
    expect(items.find((item) => item.domain === "batch-owner.optout.test")).toMatchObject({
      status: "refused",
      error: expect.stringMatching(/^target_opted_out: /),
    });
    expect(items.find((item) => item.domain === "batch-ok.optout.test")?.status).toBe("started");
    expect(await quotaUsed(key.id)).toBe(1);
  });

  it("starts no badge re-check of a domain that opted out since", async () => {
    await insertCheck({
      domain: "badge-owner.optout.test",
      ageMs: 2 * DAY_MS,
      addresses: ["127.0.0.26"],
    });
    expect((await callMain("/badge/badge-owner.optout.test.svg")).status).toBe(200);
    const sent: unknown[] = [];
    const recheckEnv = { ...env, PROBE_QUEUE: recordingQueue(env.PROBE_QUEUE, sent) };
    await runTask(recheckBadgeDomains, recheckEnv, Date.now());
    expect(sent).toEqual([]);
    expect(await checksOf("badge-owner.optout.test")).toBe(1);
    const badge = await callMain("/badge/badge-owner.optout.test.svg");
    expect(badge.headers.get("x-relaywatch-reason")).toMatch(/re-check could not start/);
  });
});

describe("the cost of opt-out lookups", () => {
  /** A zone resolver that logs when each query starts and ends. */
  function tracingResolver() {
    const zone = new ZoneResolver(TEST_ZONE);
    const events: string[] = [];
    const traced =
      <T>(kind: string, run: (name: string) => Promise<T>) =>
      async (name: string): Promise<T> => {
        events.push(`start ${kind} ${name}`);
        // A real lookup takes a while: let every other started query start meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 5));
        const answer = await run(name);
        events.push(`end ${kind} ${name}`);
        return answer;
      };
    return {
      events,
      resolver: {
        mx: traced("mx", (name) => zone.mx(name)),
        addresses: traced("addresses", (name) => zone.addresses(name)),
        txt: traced("txt", (name) => zone.txt(name)),
      },
    };
  }

  it("looks the name up beside the MX query and every address at once, then caches", async () => {
    const { events, resolver } = tracingResolver();
    const config = readConfig(env);
    const nodes = await loadRegistry(openDatabase(env.DB), config);
    const request = { domain: "traced.optout.test" };
    const run = async () => {
      const optOuts = OptOutCheck.begin(env, config, resolver, request.domain);
      return optOuts.apply(
        await planCheck(request, resolver, config, nodes, () => crypto.randomUUID()),
      );
    };
    await run();
    const index = (event: string) => events.indexOf(event);
    // The domain's record is asked before the MX answer is in: no round trip of its own.
    expect(index("start txt _relaywatch.traced.optout.test")).toBeLessThan(
      index("end mx traced.optout.test"),
    );
    // Every address's reverse record is asked before any of them answers: one round trip.
    const reverse = ["29.0.0.127", "30.0.0.127"].map((address) => ({
      start: index(`start txt _relaywatch.${address}.in-addr.arpa`),
      end: index(`end txt _relaywatch.${address}.in-addr.arpa`),
    }));
    expect(reverse.every((lookup) => lookup.start >= 0)).toBe(true);
    expect(Math.max(...reverse.map((lookup) => lookup.start))).toBeLessThan(
      Math.min(...reverse.map((lookup) => lookup.end)),
    );
    // They start only once the addresses are known, right after the address queries end.
    const lastAddressEnd = Math.max(
      ...events.flatMap((event, at) => (event.startsWith("end addresses") ? [at] : [])),
    );
    expect(Math.min(...reverse.map((lookup) => lookup.start))).toBeGreaterThan(lastAddressEnd);

    // Opt-out records only: the plan's origin AS lookups (Team Cymru TXT) are not these.
    const optOutLookups = () =>
      events.filter((event) => event.startsWith("start txt _relaywatch.")).length;
    const before = optOutLookups();
    await run();
    expect(optOutLookups()).toBe(before);
  });
});
