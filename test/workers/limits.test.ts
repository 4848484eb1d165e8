import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pruneMinuteCounters } from "../../workers/coordinator/src/access/anonymous.ts";
import { TARGET_LOOKUPS_PER_MINUTE } from "../../workers/coordinator/src/access/lookups.ts";
import { awayFromMinuteEdge, hostTarget, insertApiKey } from "./access-fixtures.ts";
import {
  callWithEnv,
  createCheck,
  type EnvOverrides,
  expectApiError,
} from "./coordinator-helpers.ts";

/**
 * Limits people can see (issue 14): the RateLimit fields on every API answer, GET
 * /api/v1/limits for anonymous and key callers, and no quota taken by a refused request.
 */

const from = (address: string) => ({ "cf-connecting-ip": address });

interface LimitsBody {
  caller: { kind: string; id?: string };
  limits: {
    policy: string;
    counts: string;
    limit: number;
    used: number;
    remaining: number;
    resetSeconds: number;
  }[];
  cooldown: {
    target: string;
    port: number;
    remainingSeconds: number;
    report: string | null;
  } | null;
}

async function limits(headers: Record<string, string>, query = "", overrides: EnvOverrides = {}) {
  const response = await callWithEnv(`/api/v1/limits${query}`, { headers }, overrides);
  expect(response.status).toBe(200);
  return { response, body: (await response.json()) as LimitsBody };
}

/** `RateLimit: "policy";r=..;t=..` as a map policy -> remaining. */
function remainingOf(response: Response): Record<string, number> {
  const field = response.headers.get("ratelimit") ?? "";
  return Object.fromEntries(
    [...field.matchAll(/"([a-z-]+)";r=(\d+);t=(\d+)/g)].map((m) => [m[1], Number(m[2])]),
  );
}

describe("anonymous callers", () => {
  it("see their policy and what is left on every answer, and in /limits", async () => {
    await awayFromMinuteEdge();
    const caller = from("198.51.100.1");
    const first = await limits(caller, "", { ANON_CHECKS_PER_MINUTE: "5" });
    expect(first.response.headers.get("ratelimit-policy")).toBe(
      '"anonymous-checks-per-minute";q=5;w=60',
    );
    expect(first.response.headers.get("ratelimit")).toMatch(
      /^"anonymous-checks-per-minute";r=5;t=\d+$/,
    );
    expect(first.body).toMatchObject({
      caller: { kind: "anonymous" },
      limits: [
        {
          policy: "anonymous-checks-per-minute",
          counts: "checks",
          limit: 5,
          used: 0,
          remaining: 5,
        },
      ],
      cooldown: null,
    });

    const created = await createCheck(hostTarget(5001), caller, { ANON_CHECKS_PER_MINUTE: "5" });
    expect(created.response.status).toBe(202);
    expect(remainingOf(created.response)).toEqual({ "anonymous-checks-per-minute": 4 });
    const after = await limits(caller, "", { ANON_CHECKS_PER_MINUTE: "5" });
    expect(after.body.limits[0]).toMatchObject({ used: 1, remaining: 4 });
    // Another address has its own count; an IPv6 caller is counted per /64.
    expect(
      (await limits(from("198.51.100.2"), "", { ANON_CHECKS_PER_MINUTE: "5" })).body.limits[0]
        ?.used,
    ).toBe(0);
  });

  it("counts IPv6 callers per /64", async () => {
    await awayFromMinuteEdge();
    const one = from("2001:db8:1:2::10");
    expect((await createCheck(hostTarget(5002), one)).response.status).toBe(202);
    const neighbour = await limits(from("2001:db8:1:2:ffff::1"));
    expect(neighbour.body.limits[0]?.used).toBe(1);
    const otherNetwork = await limits(from("2001:db8:1:3::10"));
    expect(otherNetwork.body.limits[0]?.used).toBe(0);
  });

  it("are refused past their checks per minute with Retry-After and r=0", async () => {
    await awayFromMinuteEdge();
    const caller = from("198.51.100.3");
    const two = { ANON_CHECKS_PER_MINUTE: "2" };
    for (const port of [5010, 5011]) {
      expect((await createCheck(hostTarget(port), caller, two)).response.status).toBe(202);
    }
    const refused = await createCheck(hostTarget(5012), caller, two);
    expect(remainingOf(refused.response)).toEqual({ "anonymous-checks-per-minute": 0 });
    expect(Number(refused.response.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectApiError(refused.response, 429, "rate_limited", /2 checks per minute/);
    expect(refused.messages).toEqual([]);
  });

  it("spend nothing on requests refused before any probe runs", async () => {
    await awayFromMinuteEdge();
    const caller = from("198.51.100.4");
    const cooldown = { TARGET_COOLDOWN_SECONDS: "300" };
    expect((await createCheck(hostTarget(5020), caller, cooldown)).response.status).toBe(202);
    const refusals = [
      await createCheck({ domain: 42 }, caller, cooldown),
      await createCheck({ host: "10.0.0.1", port: 25 }, caller, cooldown),
      await createCheck({ domain: "owner.optout.test" }, caller, cooldown),
      await createCheck({ domain: "nothing-here.example" }, caller, cooldown),
      await createCheck(hostTarget(5020), caller, cooldown),
    ];
    expect(refusals.map((refusal) => refusal.response.status)).toEqual([400, 400, 403, 422, 429]);
    const { body } = await limits(caller);
    expect(body.limits[0]).toMatchObject({ used: 1 });
  });
});

describe("key holders", () => {
  it("see both policies, requests and checks counted apart", async () => {
    await awayFromMinuteEdge();
    const key = await insertApiKey({ dailyQuota: 50, ratePerMinute: 20 });
    const first = await limits(key.authorization);
    expect(first.response.headers.get("ratelimit-policy")).toBe(
      '"requests-per-minute";q=20;w=60, "checks-per-day";q=50;w=86400',
    );
    // The /limits request itself is the first request of the minute.
    expect(remainingOf(first.response)).toEqual({
      "requests-per-minute": 19,
      "checks-per-day": 50,
    });
    expect(first.body.caller).toEqual({ kind: "api-key", id: key.id, name: "Test Hosting" });

    const created = await createCheck(hostTarget(5030), key.authorization);
    expect(created.response.status).toBe(202);
    expect(remainingOf(created.response)).toEqual({
      "requests-per-minute": 18,
      "checks-per-day": 49,
    });

    const refusals = [
      await createCheck({ host: "192.168.0.1", port: 25 }, key.authorization),
      await createCheck({ domain: "shared-a.optout.test" }, key.authorization),
      await createCheck({ host: "127.0.0.1", port: 5030 }, key.authorization, {
        TARGET_COOLDOWN_SECONDS: "300",
      }),
    ];
    expect(refusals.map((refusal) => refusal.response.status)).toEqual([400, 403, 429]);
    const last = refusals.at(-1)?.response;
    expect(last && remainingOf(last)).toEqual({ "requests-per-minute": 15, "checks-per-day": 49 });
    const after = await limits(key.authorization);
    expect(after.body.limits).toEqual([
      expect.objectContaining({
        policy: "requests-per-minute",
        counts: "requests",
        used: 6,
        remaining: 14,
      }),
      expect.objectContaining({
        policy: "checks-per-day",
        counts: "checks",
        used: 1,
        remaining: 49,
      }),
    ]);
  });

  it("get the fields on their own 429 and on other errors", async () => {
    await awayFromMinuteEdge();
    const key = await insertApiKey({ ratePerMinute: 1 });
    const first = await callWithEnv("/api/v1/checks/nope", { headers: key.authorization }, {});
    await expectApiError(first, 404, "not_found");
    expect(remainingOf(first)).toMatchObject({ "requests-per-minute": 0 });
    const refused = await callWithEnv("/api/v1/limits", { headers: key.authorization }, {});
    await expectApiError(refused, 429, "rate_limited");
    expect(remainingOf(refused)).toMatchObject({ "requests-per-minute": 0 });
  });
});

describe("the cool-down of a target in /limits", () => {
  it("says how long is left, for anonymous and key callers alike", async () => {
    const on = { TARGET_COOLDOWN_SECONDS: "300" };
    const created = await createCheck(hostTarget(5040), from("198.51.100.9"), on);
    expect(created.response.status).toBe(202);
    const anonymous = await limits(from("198.51.100.10"), "?target=127.0.0.1&port=5040", on);
    expect(anonymous.body.cooldown).toMatchObject({
      target: "127.0.0.1",
      port: 5040,
      report: `/api/v1/checks/${created.body.id}`,
    });
    expect(anonymous.body.cooldown?.remainingSeconds).toBeGreaterThan(290);
    const key = await insertApiKey();
    const keyed = await limits(key.authorization, "?target=127.0.0.1&port=5040", on);
    expect(keyed.body.cooldown?.remainingSeconds).toBeGreaterThan(50);
    expect(keyed.body.cooldown?.remainingSeconds).toBeLessThanOrEqual(60);
    const free = await limits(from("198.51.100.10"), "?target=127.0.0.1&port=5041", on);
    expect(free.body.cooldown).toMatchObject({ remainingSeconds: 0, report: null });
  });

  it("refuses a target that is not a host", async () => {
    const response = await callWithEnv("/api/v1/limits?target=a%20b", {}, {});
    expect(response.status).toBe(400);
    expect(response.headers.get("ratelimit")).toMatch(/anonymous-checks-per-minute/);
  });
});

describe("target lookups in /limits", () => {
  const lookup = (headers: Record<string, string>) =>
    callWithEnv("/api/v1/limits?target=127.0.0.1&port=5060", { headers }, {});

  it("are bounded per /64 however the caller rotates its address, apart from check quota", async () => {
    await awayFromMinuteEdge();
    // Every request from another address of the same /64.
    const rotating = (i: number) => from(`2001:db8:60:1::${(i + 1).toString(16)}`);
    for (let i = 0; i < TARGET_LOOKUPS_PER_MINUTE; i++) {
      const response = await lookup(rotating(i));
      expect(response.status).toBe(200);
    }
    const refused = await lookup(rotating(TARGET_LOOKUPS_PER_MINUTE));
    await expectApiError(refused, 429, "lookup_rate_limited", /per minute/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // The lookups took no check: the quota is whole, in the fields and in /limits, which
    // without a target is still answered.
    const quota = await limits(rotating(99));
    expect(quota.body.limits[0]?.used).toBe(0);
    expect(remainingOf(refused)).toEqual({
      "anonymous-checks-per-minute": quota.body.limits[0]?.limit,
    });
    expect((await createCheck(hostTarget(5061), rotating(100))).response.status).toBe(202);
    // Another network has its own allowance.
    const other = await limits(from("2001:db8:60:2::1"), "?target=127.0.0.1&port=5060");
    expect(other.body.cooldown).toMatchObject({ target: "127.0.0.1", port: 5060 });
  });

  it("are bounded per key, whatever address the key is used from", async () => {
    await awayFromMinuteEdge();
    const key = await insertApiKey();
    for (let i = 0; i < TARGET_LOOKUPS_PER_MINUTE; i++) {
      const headers = { ...key.authorization, ...from(`198.51.100.${60 + i}`) };
      expect((await lookup(headers)).status).toBe(200);
    }
    await expectApiError(
      await lookup({ ...key.authorization, ...from("198.51.100.99") }),
      429,
      "lookup_rate_limited",
    );
    const after = await limits(key.authorization);
    expect(after.body.limits[1]).toMatchObject({ policy: "checks-per-day", used: 0 });
    // Another key, and an anonymous caller at one of the key's addresses, are unaffected.
    expect((await lookup((await insertApiKey()).authorization)).status).toBe(200);
    expect((await lookup(from("198.51.100.60"))).status).toBe(200);
  });
});

describe("the per-minute counters", () => {
  it("are pruned by the cron of every caller not seen for a day, and of no other", async () => {
    const now = Date.now();
    const dayAndMinuteAgo = now - 86_400_000 - 60_000;
    await env.DB.batch([
      env.DB.prepare(
        "insert into anonymous_usage (client_hash, window_start, checks) values ('old', ?1, 1), ('recent', ?2, 1)",
      ).bind(dayAndMinuteAgo, now),
      env.DB.prepare(
        "insert into lookup_usage (caller, window_start, lookups) values ('old', ?1, 1), ('recent', ?2, 1)",
      ).bind(dayAndMinuteAgo, now),
    ]);
    await pruneMinuteCounters(env, now);
    for (const [table, key] of [
      ["anonymous_usage", "client_hash"],
      ["lookup_usage", "caller"],
    ]) {
      const { results } = await env.DB.prepare(
        `select ${key} as caller from ${table} where ${key} in ('old', 'recent')`,
      ).all<{ caller: string }>();
      expect([table, results.map((row) => row.caller)]).toEqual([table, ["recent"]]);
    }
  });
});
