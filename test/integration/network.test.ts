import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitCheck, waitForCheck } from "../../lab/check-client.ts";
import type { LocalNetwork } from "../../lab/local-network.ts";
import { labPort } from "../../lab/local-network.ts";
import { postfixAvailable } from "../../lab/mta/postfix.ts";
import { checkOn, startTestNetwork, vantagesOf } from "./network-fixture.ts";

const PROBE_BUDGET_MS = 10_000;
const needsPostfix = !postfixAvailable() && !process.env.CI;
if (needsPostfix)
  console.warn(
    "network tests skipped: Postfix is not installed (run scripts/install-system-deps.sh)",
  );

let network: LocalNetwork;
let base: string;

const portOf = (name: string) => labPort(network, name);

const check = (body: unknown) => checkOn(network, body);

describe.skipIf(needsPostfix)("the local network", () => {
  beforeAll(async () => {
    network = await startTestNetwork("network", { probeTimeBudgetMs: PROBE_BUDGET_MS });
    base = network.coordinator.url;
  }, 180_000);

  afterAll(async () => {
    await network?.stop();
  });

  it("finds the open Postfix open from all four regions, on workerd and Node.js nodes", async () => {
    const report = await check({ host: "127.0.0.1", port: portOf("postfix-open") });
    expect(report).toMatchObject({ status: "done", verdict: "open", disagreement: null });
    const vantages = vantagesOf(report);
    expect(vantages.map((v) => v.region).sort()).toEqual([
      "ap-northeast",
      "eu-west",
      "sa-east",
      "us-east",
    ]);
    expect(network.nodes.map((node) => node.identity.runtime).sort()).toEqual([
      "cloudflare",
      "node",
      "node",
      "workerd",
    ]);
    expect(vantages.every((v) => v.verdict === "open" && v.cases.length === 29)).toBe(true);
  });

  it("finds the secure Postfix closed from every vantage, three of them outside its network", async () => {
    const report = await check({ host: "127.0.0.1", port: portOf("postfix-secure") });
    expect(report).toMatchObject({ status: "done", verdict: "closed", outsideVantages: 3 });
    expect(vantagesOf(report).every((v) => v.verdict === "closed")).toBe(true);
    // From the lab zone's Team Cymru records: the lab's hosting AS, which ap-northeast shares.
    expect(report.mxHosts[0]?.addresses[0]?.origin).toEqual({
      asns: [64510],
      name: "LAB-HOSTING, ZZ",
    });
    const placed = vantagesOf(report).map((v) => [v.region, v.location?.name, v.inside]);
    expect(placed.sort()).toEqual([
      ["ap-northeast", "lab-nrt", true],
      ["eu-west", "lab-fra", false],
      ["sa-east", "lab-gru", false],
      ["us-east", "lab-iad", false],
    ]);
    const page = await (await fetch(`${base}/report/${report.id}`)).text();
    expect(page).toContain('<th scope="row">ap-northeast</th><td>lab-nrt</td>');
    expect(page).toContain(
      "no for 127.0.0.1: inside its network (same AS), shown but not counted as outside",
    );
    expect(page).toContain("3 independent vantages outside the target&#39;s network tested it");
    expect(page).toContain("Network of this address: AS64510 (LAB-HOSTING, ZZ)");
  });

  it("resolves a domain's MX and states plainly where vantages disagree", async () => {
    const report = await check({
      domain: "trusted-vantage.lab.test",
      port: portOf("trusted-vantage"),
    });
    expect(report.verdict).toBe("open");
    expect(report.mxHosts[0]?.host).toBe("mx.trusted-vantage.lab.test");
    // The node in the lab's hosting AS: a neighbour the server trusts.
    expect(report.disagreement).toContain(
      "open from ap-northeast (inside the target's network) only",
    );
    expect(report.disagreement).toContain("a trusted-network rule?");
  });

  it("tests STARTTLS-only and implicit-TLS servers over verified TLS from every vantage", async () => {
    const overStartTls = await check({ host: "127.0.0.1", port: portOf("starttls-required") });
    const overImplicitTls = await check({
      host: "127.0.0.1",
      port: portOf("implicit-tls"),
      implicitTls: true,
    });
    for (const report of [overStartTls, overImplicitTls]) {
      expect(report).toMatchObject({ status: "done", verdict: "open" });
      expect(vantagesOf(report).map((v) => v.verdict)).toEqual(["open", "open", "open", "open"]);
    }
    // Two checks in turn: a check that hangs fails in checkOn, naming the vantages it waits for.
  }, 150_000);

  it("refuses a private target with the stable error shape, opening nothing", async () => {
    const response = await submitCheck(base, { host: "192.168.1.1", port: 25 });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: "forbidden_target",
      message: expect.stringContaining("private"),
    });
  });

  it("still finishes a check, with partial results, when a node dies mid-check", async () => {
    const response = await submitCheck(base, { host: "127.0.0.1", port: portOf("stall") });
    const location = response.headers.get("location") ?? "";
    await new Promise((wait) => setTimeout(wait, 1_500));
    const victim = network.nodes[0];
    await victim?.kill();
    const report = await waitForCheck(base, location, 90_000);
    expect(report.status).toBe("done");
    const vantages = vantagesOf(report);
    expect(vantages).toHaveLength(4);
    const dead = vantages.find((v) => v.node === victim?.identity.nodeId);
    expect(dead).toMatchObject({ status: "failed", verdict: "inconclusive" });
    expect(dead?.reason).toMatch(/could not be reached|did not answer/);
    expect(vantages.filter((v) => v.status === "done")).toHaveLength(3);
    // The server itself never answered the others: that, not the dead node, is inconclusive.
    expect(report.verdict).toBe("inconclusive");

    // The node is out of planning now: the next check names it and does not wait for it.
    const next = await check({ host: "127.0.0.1", port: portOf("secure-pipelining") });
    expect(next.status).toBe("done");
    expect(next.unavailableVantages).toEqual([
      expect.objectContaining({ nodeId: victim?.identity.nodeId, region: "eu-west" }),
    ]);
    expect(
      vantagesOf(next)
        .map((v) => v.region)
        .sort(),
    ).toEqual(["ap-northeast", "sa-east", "us-east"]);
    // Two outside vantages are left (ap-northeast is inside): closed, and still corroborated.
    expect(next).toMatchObject({ verdict: "closed", outsideVantages: 2 });
    expect(next.reason).not.toContain("not corroborated");
  });
});
