import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { targetPrefix } from "../../workers/coordinator/src/nodes/caps.ts";
import { awayFromMinuteEdge } from "./access-fixtures.ts";
import { TEST_ZONE } from "./coordinator-env.ts";
import {
  callWithEnv,
  createCheck,
  expectApiError,
  getCheck,
  reportVantages,
} from "./coordinator-helpers.ts";

/**
 * Per-node caps (issue 14): probe runs a minute per node, and an hour per node to one /24 or
 * /48, whoever asks; a refusal takes no quota and nothing is queued.
 */

const from = { "cf-connecting-ip": "198.51.100.77" };

/** Anonymous checks this caller has used this minute, as GET /api/v1/limits says. */
async function anonymousUsed(): Promise<number> {
  const response = await callWithEnv("/api/v1/limits", { headers: from }, {});
  const body = (await response.json()) as { limits: { used: number }[] };
  return body.limits[0]?.used ?? -1;
}

describe("per-node caps", () => {
  it("groups addresses into the /24 or /48 they belong to", () => {
    expect(targetPrefix("203.0.113.77")).toBe("203.0.113.0/24");
    expect(targetPrefix("2001:db8:1:2::5")).toBe("2001:db8:1::/48");
    expect(targetPrefix("::ffff:203.0.113.77")).toBe("203.0.113.0/24");
  });

  it("refuses past a node's checks per minute with 429 node_capacity, taking no quota", async () => {
    await awayFromMinuteEdge();
    const caps = { NODE_CHECKS_PER_MINUTE: "2" };
    // One address, port 25: all three nodes run each check once.
    for (const last of [10, 11]) {
      const created = await createCheck({ host: `127.0.2.${last}`, port: 25 }, from, caps);
      expect(created.response.status).toBe(202);
      expect(created.messages).toHaveLength(3);
    }
    const usedBefore = await anonymousUsed();
    const refused = await createCheck({ host: "127.0.2.12", port: 25 }, from, caps);
    expect(Number(refused.response.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    await expectApiError(refused.response, 429, "node_capacity", /2 checks a minute/);
    expect(refused.messages).toEqual([]);
    expect(await anonymousUsed()).toBe(usedBefore);
  });

  it("refuses past a node's checks to one /24 per hour, and admits another network", async () => {
    const caps = { NODE_CHECKS_PER_PREFIX_PER_HOUR: "2" };
    for (const last of [20, 21]) {
      expect(
        (await createCheck({ host: `127.0.3.${last}`, port: 25 }, from, caps)).response.status,
      ).toBe(202);
    }
    const refused = await createCheck({ host: "127.0.3.22", port: 25 }, from, caps);
    await expectApiError(refused.response, 429, "node_capacity", /one \/24 or \/48/);
    expect(Number(refused.response.headers.get("retry-after"))).toBeGreaterThan(0);
    const other = await createCheck({ host: "127.0.4.20", port: 25 }, from, caps);
    expect(other.response.status).toBe(202);
    expect(other.messages).toHaveLength(3);
  });

  it("refuses a check larger than a cap without using the cap up", async () => {
    const zone = `${TEST_ZONE}
wide.caps.test.    IN MX 10 mx.wide.caps.test.
mx.wide.caps.test. IN A     127.0.7.1
mx.wide.caps.test. IN A     127.0.7.2
`;
    const caps = { NODE_CHECKS_PER_PREFIX_PER_HOUR: "1", DNS_ZONE: zone };
    // Two addresses in one /24: each node would run two probes there, more than its cap.
    const wide = await createCheck({ domain: "wide.caps.test" }, from, caps);
    await expectApiError(wide.response, 429, "node_capacity", /one \/24 or \/48/);
    const small = await createCheck({ host: "127.0.7.4", port: 25 }, from, caps);
    expect(small.response.status).toBe(202);
    expect(small.messages).toHaveLength(3);
  });

  it("drops the runs to a capped network, listing its address as not tested", async () => {
    const zone = `${TEST_ZONE}
split.caps.test.     IN MX 10 mx1.split.caps.test.
split.caps.test.     IN MX 20 mx2.split.caps.test.
mx1.split.caps.test. IN A     127.0.5.3
mx2.split.caps.test. IN A     127.0.6.3
`;
    const caps = { NODE_CHECKS_PER_PREFIX_PER_HOUR: "1", DNS_ZONE: zone };
    expect((await createCheck({ host: "127.0.5.1", port: 25 }, from, caps)).messages).toHaveLength(
      3,
    );
    const split = await createCheck({ domain: "split.caps.test" }, from, caps);
    expect(split.response.status).toBe(202);
    expect(split.messages).toHaveLength(3);
    const report = await getCheck(split.body.id);
    expect([...new Set(reportVantages(report).map((vantage) => vantage.address))]).toEqual([
      "127.0.6.3",
    ]);
    expect(report.refusedAddresses).toEqual([
      {
        host: "mx1.split.caps.test",
        address: "127.0.5.3",
        reason: expect.stringMatching(/hourly cap for 127\.0\.5\.0\/24/),
      },
    ]);
    // The refused runs were not counted against the capped network.
    const minute = await env.DB.prepare(
      "select sum(runs) as runs from node_usage where bucket = '127.0.5.0/24'",
    ).first<{ runs: number }>();
    expect(minute?.runs).toBe(3);
  });
});
