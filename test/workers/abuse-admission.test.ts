/**
 * Issue 8, item 3: admission keyed on what is really contacted. Every spelling of one address,
 * and every name whose MX leads to one server, is one target for the cool-down; anonymous limits
 * and idempotency keys are per network (an IPv6 /64, not one address of it).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clientNetwork } from "../../workers/coordinator/src/access/anonymous.ts";
import { TEST_ZONE } from "./coordinator-env.ts";
import { countRows, createCheck, expectApiError } from "./coordinator-helpers.ts";

const COOLDOWN_ON = { TARGET_COOLDOWN_SECONDS: "300" };

describe("the cool-down is keyed on the (address, port) really contacted", () => {
  it("refuses every other spelling of an address it just checked", async () => {
    const port = 4200;
    const first = await createCheck({ host: "127.0.0.1", port }, {}, COOLDOWN_ON);
    expect(first.response.status).toBe(202);
    const before = await countRows("checks");
    for (const spelling of [
      "2130706433",
      "0x7f000001",
      "0177.0.0.1",
      "127.1",
      "[127.0.0.1]",
      "::ffff:127.0.0.1",
      "[::ffff:7f00:1]",
      "0x7f.0.0.1",
      "127.000.000.001",
    ]) {
      const again = await createCheck({ host: spelling, port }, {}, COOLDOWN_ON);
      // Refused as the same target, or by the guard as an ambiguous spelling: never a new check.
      expect([400, 429], spelling).toContain(again.response.status);
      expect(again.messages, spelling).toEqual([]);
    }
    expect(await countRows("checks")).toBe(before);
    const decimal = await createCheck({ host: "2130706433", port }, {}, COOLDOWN_ON);
    await expectApiError(decimal.response, 429, "target_cooldown", /127\.0\.0\.1 port 4200/);
  });

  it("treats names whose MX lead to one server as one target, and probes it once", async () => {
    const zone = `${TEST_ZONE}
$ORIGIN shared.test.
one     IN MX 10 a.fan
one     IN MX 20 b.fan
one     IN MX 30 c.fan
one     IN MX 40 d.fan
one     IN MX 50 e.fan
two     IN MX 10 mx.other
a.fan   IN A 127.0.0.62
b.fan   IN A 127.0.0.62
c.fan   IN A 127.0.0.62
d.fan   IN A 127.0.0.62
e.fan   IN A 127.0.0.62
mx.other IN A 127.0.0.62
`;
    const first = await createCheck(
      { domain: "one.shared.test" },
      {},
      { ...COOLDOWN_ON, DNS_ZONE: zone },
    );
    expect(first.response.status).toBe(202);
    // Five MX names on one address: one address, one job per vantage (three), not fifteen.
    expect(first.messages).toHaveLength(3);
    const second = await createCheck(
      { domain: "two.shared.test" },
      {},
      { ...COOLDOWN_ON, DNS_ZONE: zone },
    );
    await expectApiError(second.response, 429, "target_cooldown", /127\.0\.0\.62/);
  });

  it("lets only one of two racing requests for one address start a check", async () => {
    const racing = await Promise.all(
      [0, 1, 2].map(() => createCheck({ host: "127.0.0.1", port: 4210 }, {}, COOLDOWN_ON)),
    );
    const statuses = racing.map((attempt) => attempt.response.status).sort();
    expect(statuses).toEqual([202, 429, 429]);
  });
});

describe("anonymous callers are told apart by network", () => {
  const request = (address: string) =>
    new Request("https://relaywatch.test/", { headers: { "cf-connecting-ip": address } });

  it("keys an IPv6 caller by its /64, an IPv4 caller by its address", () => {
    expect(clientNetwork(request("2001:db8:1:2::1"))).toBe("2001:db8:1:2::/64");
    expect(clientNetwork(request("2001:db8:1:2:ffff:abcd:1:9"))).toBe("2001:db8:1:2::/64");
    expect(clientNetwork(request("2001:db8:1:3::1"))).toBe("2001:db8:1:3::/64");
    expect(clientNetwork(request("203.0.113.7"))).toBe("203.0.113.7");
    expect(clientNetwork(request("::ffff:203.0.113.7"))).toBe("203.0.113.7");
  });

  it("limits a client rotating through its /64", async () => {
    const strict = { ANON_RATE_LIMITER: env.STRICT_RATE_LIMITER, TARGET_COOLDOWN_SECONDS: "0" };
    const statuses: number[] = [];
    for (let index = 1; index <= 4; index += 1) {
      const from = { "cf-connecting-ip": `2001:db8:77:1::${index.toString(16)}` };
      statuses.push(
        (await createCheck({ host: "127.0.0.1", port: 4220 }, from, strict)).response.status,
      );
    }
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
  });

  it("never hands one anonymous caller's check to another with the same Idempotency-Key", async () => {
    const off = { TARGET_COOLDOWN_SECONDS: "0" };
    const alice = await createCheck(
      { host: "127.0.0.1", port: 4230 },
      { "idempotency-key": "retry-1", "cf-connecting-ip": "198.51.100.1" },
      off,
    );
    expect(alice.response.status).toBe(202);
    const mallory = await createCheck(
      { host: "127.0.0.1", port: 4230 },
      { "idempotency-key": "retry-1", "cf-connecting-ip": "198.51.100.99" },
      off,
    );
    expect(mallory.response.status).toBe(202);
    expect(mallory.body.id).not.toBe(alice.body.id);
    const aliceAgain = await createCheck(
      { host: "127.0.0.1", port: 4230 },
      { "idempotency-key": "retry-1", "cf-connecting-ip": "198.51.100.1" },
      off,
    );
    expect(aliceAgain.response.status).toBe(200);
    expect(aliceAgain.body.id).toBe(alice.body.id);
  });
});
