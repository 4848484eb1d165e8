import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitCheck, waitForCheck } from "../../scripts/check-client.ts";
import type { LocalNetwork } from "../../scripts/local-network.ts";
import { postfixAvailable } from "../lab/mta/postfix.ts";
import { labPort, startTestNetwork } from "./network-fixture.ts";

const PROOF_WINDOW_SECONDS = 8;
const needsPostfix = !postfixAvailable() && !process.env.CI;

interface ProofReport {
  status: string;
  verdict: string | null;
  proof: string | null;
  verdictLabel: string;
  mxHosts: {
    addresses: {
      vantages: {
        cases: {
          id: string;
          outcome: string;
          delivery: { status: string; receivedChain: string[] } | null;
        }[];
      }[];
    }[];
  }[];
}

let network: LocalNetwork;
let base: string;

const portOf = (name: string) => labPort(network, name);

async function reportUntil(location: string, done: (r: ProofReport) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = (await (await fetch(`${base}${location}`)).json()) as ProofReport;
    if (done(report)) return report;
    if (Date.now() > deadline) {
      const confirmed = cases(report).filter((c) => c.delivery?.status === "confirmed").length;
      const handedOver = network.canaryMx.forwarded.map((f) => `${f.rcpt}: ${f.status}`);
      throw new Error(
        `proof still ${report.proof}, ${confirmed} cases confirmed after ${timeoutMs} ms; the canary MX handed over ${handedOver.join(", ")}`,
      );
    }
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

const cases = (report: ProofReport) =>
  report.mxHosts.flatMap((h) => h.addresses.flatMap((a) => a.vantages.flatMap((v) => v.cases)));

describe.skipIf(needsPostfix)("delivery proof on the local network", () => {
  beforeAll(async () => {
    network = await startTestNetwork("proof", {
      probeTimeBudgetMs: 15_000,
      proofWindowSeconds: PROOF_WINDOW_SECONDS,
    });
    base = network.coordinator.url;
  }, 180_000);

  afterAll(async () => {
    await network?.stop();
  });

  it("confirms the open Postfix by the arrival of its canary message, with the Received chain", async () => {
    const started = Date.now();
    const response = await submitCheck(base, {
      host: "127.0.0.1",
      port: portOf("postfix-open"),
      proof: true,
    });
    expect(response.status).toBe(202);
    const location = response.headers.get("location") ?? "";
    await waitForCheck(base, location, 60_000);
    await reportUntil(location, (r) => r.proof === "confirmed", 30_000);
    console.log(`submission to confirmation: ${Date.now() - started} ms`);
    // Every message sent arrives, a moment apart: wait for all ten (the check's cap, spread
    // over the four vantages as 3, 3, 2 and 2).
    const report = await reportUntil(
      location,
      (r) => cases(r).filter((c) => c.delivery?.status === "confirmed").length === 10,
      30_000,
    );
    expect(report.verdict).toBe("open");
    expect(report.verdictLabel).toBe("open (confirmed)");
    // None was turned away, even one that reached the coordinator before its probe's answer.
    expect(network.canaryMx.forwarded.map((f) => f.status)).toEqual(Array(10).fill(200));
    const confirmed = cases(report).filter((c) => c.delivery?.status === "confirmed");
    // The most telling foreign cases first, as far as each vantage's share (3, 3, 2, 2) goes.
    expect(confirmed.map((c) => c.id).sort()).toEqual([
      ...Array(4).fill("bare-sender"),
      ...Array(4).fill("canary-sender"),
      ...Array(2).fill("target-domain-sender"),
    ]);
    expect(confirmed[0]?.delivery?.receivedChain.join("\n")).toContain("open.postfix.lab.test");
    // What a person reads on the report page: the confirmed verdict and the hops it passed,
    // the lab canary MX's own Received line among them.
    const reportPage = await (
      await fetch(`${base}/report/${location.split("/").pop()}?lang=en`)
    ).text();
    expect(reportPage).toContain("open (confirmed)");
    // A delivered case's cell opens its exchange, with the hosts its message passed.
    const cell = /<td class="c c-delivered"><a href="([^"]+)"/.exec(reportPage)?.[1] ?? "";
    expect(cell).not.toBe("");
    const page = await (await fetch(`${base}${cell}?lang=en`)).text();
    expect(page).toContain("Hosts the message passed");
    expect(page).toContain("by mx.canary.lab.test (Relaywatch lab canary MX)");
  });

  it("leaves accept-then-bounce open but unconfirmed once the window has passed", async () => {
    const response = await submitCheck(base, {
      host: "127.0.0.1",
      port: portOf("accept-then-bounce"),
      proof: true,
    });
    const location = response.headers.get("location") ?? "";
    await waitForCheck(base, location, 60_000);
    const report = await reportUntil(
      location,
      (r) => r.proof === "unconfirmed",
      (PROOF_WINDOW_SECONDS + 20) * 1000,
    );
    expect(report.verdictLabel).toBe("open (accepted, unconfirmed)");
    expect(cases(report).some((c) => c.delivery?.status === "confirmed")).toBe(false);
    expect(cases(report).some((c) => c.delivery?.status === "not-delivered")).toBe(true);
  });
});
