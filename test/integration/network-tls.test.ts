/**
 * TLS servers whatever their certificate, and vantages that could not test, through the real
 * local network as `npm start` runs it: workerd nodes (one configured as Cloudflare's), Node.js
 * nodes, the coordinator under wrangler dev, the lab's TLS servers reached by domain checks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalNetwork } from "../../lab/local-network.ts";
import { labPort } from "../../lab/local-network.ts";
import { postfixAvailable } from "../../lab/mta/postfix.ts";
import { checkOn, startTestNetwork, vantagesOf } from "./network-fixture.ts";

const needsPostfix = !postfixAvailable() && !process.env.CI;
if (needsPostfix)
  console.warn(
    "network TLS tests skipped: Postfix is not installed (run scripts/install-system-deps.sh)",
  );

let network: LocalNetwork;

const portOf = (name: string) => labPort(network, name);

const check = (body: unknown) => checkOn(network, body);

describe.skipIf(needsPostfix)("TLS servers and vantages that could not test", () => {
  beforeAll(async () => {
    network = await startTestNetwork("network-tls");
  }, 180_000);

  afterAll(async () => {
    await network?.stop();
  });

  it.each([
    ["tls-self-signed", false, "open", /DEPTH_ZERO_SELF_SIGNED_CERT/],
    ["tls-expired", true, "open", /./],
    ["tls-wrong-name", false, "open", /./],
    ["tls-secure", false, "closed", /DEPTH_ZERO_SELF_SIGNED_CERT/],
  ] as const)(
    "finds %s (implicit TLS: %s) %s by a domain check from the Node.js nodes; the others could not test",
    async (name, implicitTls, verdict, why) => {
      const report = await check({ domain: `${name}.lab.test`, port: portOf(name), implicitTls });
      expect(report).toMatchObject({ status: "done", verdict, disagreement: null });
      expect(report.mxHosts[0]?.host).toBe(`mx.${name}.lab.test`);
      const vantages = vantagesOf(report);
      const byRegion = (region: string) => vantages.find((v) => v.region === region);
      for (const region of ["us-east", "sa-east"]) {
        expect(byRegion(region)).toMatchObject({ status: "done", verdict });
        expect(byRegion(region)?.tls).toMatchObject({
          authorized: false,
          authorizationError: expect.stringMatching(why),
          peerSubject: expect.stringContaining("O=Relaywatch lab"),
          peerIssuer: expect.stringContaining("O=Relaywatch lab"),
          altNames: expect.stringContaining("DNS:"),
          validFrom: expect.any(String),
          validTo: expect.any(String),
        });
      }
      // workerd, self-hosted and configured as Cloudflare's, verifies every certificate.
      for (const region of ["eu-west", "ap-northeast"]) {
        expect(byRegion(region)).toMatchObject({ status: "untestable", verdict: "inconclusive" });
        expect(byRegion(region)?.reason).toMatch(
          /^TLS not testable from this vantage \(certificate /,
        );
      }
      expect(report.reason).toMatch(/could not test: (eu-west|ap-northeast): TLS not testable/);
      if (verdict === "closed") {
        expect(report.reason).toContain("from every vantage that tested it (us-east, sa-east)");
        expect(report.reason).not.toContain("not corroborated");
      }
    },
  );

  it("tests a TLS 1.2-only server from every vantage: its certificate verifies", async () => {
    const report = await check({
      domain: "tls12-only.lab.test",
      port: portOf("tls12-only"),
      implicitTls: true,
    });
    expect(report).toMatchObject({ status: "done", verdict: "open" });
    const vantages = vantagesOf(report);
    expect(vantages.map((v) => [v.status, v.verdict])).toEqual(Array(4).fill(["done", "open"]));
    const fromNode = vantages.find((v) => v.region === "us-east");
    expect(fromNode?.tls).toMatchObject({ protocol: "TLSv1.2" });
  });

  // Last: it kills two of the four nodes.
  it("still finds a secure server closed from the two nodes left, naming the dead ones", async () => {
    for (const region of ["eu-west", "ap-northeast"]) {
      await network.nodes.find((node) => node.identity.region === region)?.kill();
    }
    const report = await check({ host: "127.0.0.1", port: portOf("postfix-secure") });
    expect(report).toMatchObject({ status: "done", verdict: "closed" });
    const vantages = vantagesOf(report);
    const tested = vantages.filter((v) => v.status === "done");
    expect(tested.map((v) => [v.region, v.verdict]).sort()).toEqual([
      ["sa-east", "closed"],
      ["us-east", "closed"],
    ]);
    expect(
      vantages
        .filter((v) => v.status === "failed")
        .map((v) => v.region)
        .sort(),
    ).toEqual(["ap-northeast", "eu-west"]);
    expect(report.reason).toContain("from every vantage that tested it (us-east, sa-east)");
    expect(report.reason).toMatch(
      /could not test: .*eu-west: node local-eu-west \(eu-west\) could not be reached/,
    );
    expect(report.reason).toMatch(
      /ap-northeast: node local-ap-northeast \(ap-northeast\) could not be reached/,
    );
    expect(report.reason).not.toContain("not corroborated");
  });
});
