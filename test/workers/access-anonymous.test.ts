import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ageCheck, hostTarget, insertApiKey } from "./access-fixtures.ts";
import { STRICT_RATE_LIMIT } from "./coordinator-env.ts";
import { createCheck, expectApiError } from "./coordinator-helpers.ts";

const COOLDOWN_ON = { TARGET_COOLDOWN_SECONDS: "300" };

describe("anonymous per-target cool-down", () => {
  it("refuses the same target and port for 300 s, naming the existing report", async () => {
    const first = await createCheck(hostTarget(4001), {}, COOLDOWN_ON);
    expect(first.response.status).toBe(202);
    const again = await createCheck(hostTarget(4001), {}, COOLDOWN_ON);
    const retryAfter = Number(again.response.headers.get("retry-after"));
    expect(again.response.headers.get("link")).toBe(
      `</api/v1/checks/${first.body.id}>; rel="related"`,
    );
    const message = await expectApiError(again.response, 429, "target_cooldown");
    expect(message).toContain(`/api/v1/checks/${first.body.id}`);
    expect(message).toMatch(/can be checked again from \d{4}-\d\d-\d\dT/);
    expect(again.messages).toEqual([]);
    expect(retryAfter).toBeGreaterThan(290);
    expect(retryAfter).toBeLessThanOrEqual(300);
  });

  it("treats a domain's spelling and a host's port as the stored target does", async () => {
    const first = await createCheck({ domain: "open.lab.test" }, {}, COOLDOWN_ON);
    expect(first.response.status).toBe(202);
    const shouted = await createCheck({ domain: "OPEN.lab.test.", port: 25 }, {}, COOLDOWN_ON);
    await expectApiError(shouted.response, 429, "target_cooldown");
    const otherPort = await createCheck({ domain: "open.lab.test", port: 587 }, {}, COOLDOWN_ON);
    expect(otherPort.response.status).toBe(202);
  });

  it("admits a different target", async () => {
    expect((await createCheck(hostTarget(4010), {}, COOLDOWN_ON)).response.status).toBe(202);
    expect((await createCheck(hostTarget(4011), {}, COOLDOWN_ON)).response.status).toBe(202);
  });

  it("admits the target again once the window has passed", async () => {
    const first = await createCheck(hostTarget(4020), {}, COOLDOWN_ON);
    expect(first.response.status).toBe(202);
    await ageCheck(first.body.id, 301);
    expect((await createCheck(hostTarget(4020), {}, COOLDOWN_ON)).response.status).toBe(202);
  });

  it("is off with TARGET_COOLDOWN_SECONDS = 0", async () => {
    const off = { TARGET_COOLDOWN_SECONDS: "0" };
    expect((await createCheck(hostTarget(4030), {}, off)).response.status).toBe(202);
    expect((await createCheck(hostTarget(4030), {}, off)).response.status).toBe(202);
  });

  it("answers 503 misconfigured for a cool-down that is not a number", async () => {
    const broken = await createCheck(hostTarget(4040), {}, { TARGET_COOLDOWN_SECONDS: "5m" });
    await expectApiError(broken.response, 503, "misconfigured", /TARGET_COOLDOWN_SECONDS/);
  });
});

describe("anonymous rate limit per client address", () => {
  it("refuses past the binding's limit with Retry-After, per address, never a key", async () => {
    const strict = { ANON_RATE_LIMITER: env.STRICT_RATE_LIMITER, TARGET_COOLDOWN_SECONDS: "0" };
    const from = (address: string) => ({ "cf-connecting-ip": address });
    for (let index = 0; index < STRICT_RATE_LIMIT; index += 1) {
      const { response } = await createCheck(hostTarget(4100), from("203.0.113.7"), strict);
      expect(response.status).toBe(202);
    }
    const refused = await createCheck(hostTarget(4100), from("203.0.113.7"), strict);
    expect(refused.response.headers.get("retry-after")).toBe("60");
    await expectApiError(refused.response, 429, "rate_limited", /API key/);

    const otherAddress = await createCheck(hostTarget(4100), from("203.0.113.8"), strict);
    expect(otherAddress.response.status).toBe(202);
    const key = await insertApiKey();
    const keyed = await createCheck(
      hostTarget(4100),
      { ...from("203.0.113.7"), ...key.authorization },
      strict,
    );
    expect(keyed.response.status).toBe(202);
  });
});
