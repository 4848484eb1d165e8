import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  ageCheck,
  awayFromMinuteEdge,
  checkApiKeyId,
  hostTarget,
  insertApiKey,
} from "./access-fixtures.ts";
import { callWithEnv, countRows, createCheck, expectApiError } from "./coordinator-helpers.ts";

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("API keys", () => {
  it("refuses an unknown key with 401 invalid_api_key", async () => {
    const { response } = await createCheck(hostTarget(3001), bearer(`rw_${"a".repeat(32)}`));
    await expectApiError(response, 401, "invalid_api_key", /unknown/);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("refuses a malformed key and another scheme with 401", async () => {
    const malformed = await callWithEnv("/api/v1/checks/x", { headers: bearer("sk_live_123") }, {});
    await expectApiError(malformed, 401, "invalid_api_key");
    const basic = await callWithEnv(
      "/api/v1/checks/x",
      { headers: { authorization: "Basic dXNlcjpwYXNz" } },
      {},
    );
    await expectApiError(basic, 401, "invalid_api_key", /Bearer/);
  });

  it("refuses a revoked key", async () => {
    const revoked = await insertApiKey({ revoked: true });
    const { response } = await createCheck(hostTarget(3002), revoked.authorization);
    await expectApiError(response, 401, "invalid_api_key", /revoked/);
  });

  it("admits a valid key and records it on the check", async () => {
    const key = await insertApiKey();
    const { response, body } = await createCheck(hostTarget(3003), key.authorization);
    expect(response.status).toBe(202);
    expect(await checkApiKeyId(body.id)).toBe(key.id);
  });

  it("leaves anonymous checks without a key id", async () => {
    const { response, body } = await createCheck(hostTarget(3004));
    expect(response.status).toBe(202);
    expect(await checkApiKeyId(body.id)).toBeNull();
  });

  it("limits a key to its requests per minute, with Retry-After", async () => {
    await awayFromMinuteEdge();
    const key = await insertApiKey({ ratePerMinute: 2 });
    for (const _ of [1, 2]) {
      const allowed = await callWithEnv("/api/v1/checks/none", { headers: key.authorization }, {});
      expect(allowed.status).toBe(404);
    }
    const refused = await callWithEnv("/api/v1/checks/none", { headers: key.authorization }, {});
    const retryAfter = Number(refused.headers.get("retry-after"));
    await expectApiError(refused, 429, "rate_limited", /2 requests per minute/);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("limits a key to its checks per UTC day, until the next day", async () => {
    const key = await insertApiKey({ dailyQuota: 2 });
    for (const port of [3010, 3011]) {
      const { response } = await createCheck(hostTarget(port), key.authorization);
      expect(response.status).toBe(202);
    }
    const { response } = await createCheck(hostTarget(3012), key.authorization);
    const retryAfter = Number(response.headers.get("retry-after"));
    await expectApiError(response, 429, "quota_exceeded", /2 checks per UTC day/);
    const secondsToMidnight = (86_400_000 - (Date.now() % 86_400_000)) / 1000;
    expect(Math.abs(retryAfter - secondsToMidnight)).toBeLessThan(5);
    const usage = await env.DB.prepare("select checks from api_key_usage where api_key_id = ?")
      .bind(key.id)
      .first<{ checks: number }>();
    expect(usage?.checks).toBe(2);
  });

  it("gives the quota back when the check is refused or replayed", async () => {
    const key = await insertApiKey({ dailyQuota: 1 });
    const forbidden = await createCheck({ host: "10.0.0.1", port: 25 }, key.authorization);
    expect(forbidden.response.status).toBe(400);
    const first = await createCheck(hostTarget(3020), {
      ...key.authorization,
      "idempotency-key": "access-replay-1",
    });
    expect(first.response.status).toBe(202);
    // The replay is answered from the stored check: no admission, no quota, no cool-down.
    const replay = await createCheck(
      hostTarget(3020),
      { ...key.authorization, "idempotency-key": "access-replay-1" },
      { TARGET_COOLDOWN_SECONDS: "300" },
    );
    expect(replay.response.status).toBe(200);
    expect(replay.body.id).toBe(first.body.id);
  });

  it("holds key holders to the shorter keyed cool-down of 60 s", async () => {
    const key = await insertApiKey();
    const cooldownOn = { TARGET_COOLDOWN_SECONDS: "300" };
    const first = await createCheck(hostTarget(3030), key.authorization, cooldownOn);
    expect(first.response.status).toBe(202);
    const again = await createCheck(hostTarget(3030), key.authorization, cooldownOn);
    const retryAfter = Number(again.response.headers.get("retry-after"));
    await expectApiError(again.response, 429, "target_cooldown", first.body.id);
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // 61 s later a key holder may check again, while an anonymous caller still waits.
    await ageCheck(first.body.id, 61);
    const anonymous = await createCheck(hostTarget(3030), {}, cooldownOn);
    await expectApiError(anonymous.response, 429, "target_cooldown");
    const later = await createCheck(hostTarget(3030), key.authorization, cooldownOn);
    expect(later.response.status).toBe(202);
  });
});

describe("the anonymous API is held to the page's bar", () => {
  const turnstileOn = { TURNSTILE_SITE_KEY: "site", TURNSTILE_SECRET_KEY: "secret" };

  it("asks anonymous callers for a Turnstile token where it is on, never key holders", async () => {
    const before = await countRows("checks");
    const anonymous = await createCheck(hostTarget(3101), {}, turnstileOn);
    await expectApiError(anonymous.response, 403, "turnstile_required", /API key/);
    const forged = await createCheck(
      hostTarget(3102),
      { "cf-turnstile-response": "made-up" },
      turnstileOn,
    );
    await expectApiError(forged.response, 403, "turnstile_required");
    expect(await countRows("checks")).toBe(before);
    const key = await insertApiKey();
    const keyed = await createCheck(hostTarget(3103), key.authorization, turnstileOn);
    expect(keyed.response.status).toBe(202);
  });

  it("never turns itself off: without keys, anonymous checks need TURNSTILE = off", async () => {
    const unset = { TURNSTILE: undefined };
    const anonymous = await createCheck(hostTarget(3104), {}, unset);
    await expectApiError(anonymous.response, 503, "misconfigured", /TURNSTILE/);
    const page = await callWithEnv(
      "/check",
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "target=127.0.0.1%3A3105",
      },
      unset,
    );
    expect(page.status).toBe(503);
    const key = await insertApiKey();
    expect((await createCheck(hostTarget(3106), key.authorization, unset)).response.status).toBe(
      202,
    );
  });
});
