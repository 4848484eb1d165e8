import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, request as httpRequest, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitCheck, waitForCheck } from "../../lab/check-client.ts";
import {
  LOCAL_VANTAGES,
  type LocalNetwork,
  labPort,
  startLocalNetwork,
} from "../../lab/local-network.ts";
import { type RunningProbeNode, startProbeNode } from "../../lab/probe-node.ts";

/**
 * A burst of 50 checks against one real workerd node registered with `admin add-node` and
 * limited to 4 jobs at once, through the real coordinator (wrangler dev, local D1 and queue).
 * A counting proxy in front of the node sees every job the coordinator sends it: never more
 * than 4 at once, and every check finishes. The numbers are printed.
 */

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = `${REPO_ROOT}node_modules/.bin/tsx`;
const CHECKS = 50;
const LIMIT = 4;

let network: LocalNetwork;
let node: RunningProbeNode;
let proxy: Server;
const inFlight = { now: 0, max: 0, total: 0 };

async function admin(...args: string[]): Promise<string> {
  const { stdout } = await run(TSX, ["admin/main.ts", ...args, "--persist-to", network.stateDir], {
    cwd: REPO_ROOT,
  });
  return stdout.trim();
}

/** Forwards to the node, counting the probe jobs open at once. */
function countingProxy(target: () => string): Server {
  return createServer((incoming, outgoing) => {
    const counted = incoming.url === "/v1/probe";
    if (counted) {
      inFlight.now += 1;
      inFlight.total += 1;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
    }
    let finished = !counted;
    const done = () => {
      if (finished) return;
      finished = true;
      inFlight.now -= 1;
    };
    const url = new URL(incoming.url ?? "/", target());
    const forward = httpRequest(
      url,
      { method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        // The job is in flight until the node's answer ends. The coordinator stops reading once
        // the answer line is in, which unpipes it: drain the rest, or "end" would never come.
        outgoing.on("close", () => answer.resume());
        answer.on("end", done);
        answer.on("close", done);
      },
    );
    forward.on("error", () => {
      done();
      outgoing.destroy();
    });
    incoming.pipe(forward);
  });
}

describe("per-node concurrency under a burst", () => {
  beforeAll(async () => {
    network = await startLocalNetwork({
      coordinatorPort: 0,
      nodeBasePort: 0,
      labBasePort: 0,
      realMtas: false,
      workDir: fileURLToPath(new URL("../../lab-run/test-node-concurrency", import.meta.url)),
      probeTimeBudgetMs: 20_000,
      targetCooldownSeconds: 0,
    });
    proxy = countingProxy(() => node.url);
    proxy.listen(0, "127.0.0.1");
    await once(proxy, "listening");
    const address = proxy.address();
    const proxyUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    // Registered as an operator would, then started with the secret add-node printed.
    const secret = await admin(
      "add-node",
      "--id",
      "burst-node",
      "--region",
      "eu-north",
      "--asn",
      "64520",
      "--network",
      "LAB-BURST",
      "--url",
      proxyUrl,
      "--ports",
      "25",
      "--max-jobs",
      String(LIMIT),
    );
    node = await startProbeNode({
      nodeId: "burst-node",
      region: "eu-north",
      allowedPorts: [25, 2525],
      allowLoopback: true,
      maxConcurrentJobs: LIMIT,
      secret,
      workDir: fileURLToPath(new URL("../../lab-run/test-node-concurrency/nodes", import.meta.url)),
    });
    for (const vantage of LOCAL_VANTAGES) await admin("disable-node", vantage.id);
  }, 240_000);

  afterAll(async () => {
    proxy?.close();
    await node?.kill();
    await network?.stop();
  });

  it(`never has more than ${LIMIT} jobs in flight on the node, and finishes all ${CHECKS} checks`, async () => {
    const key = await admin("create-key", "--name", "burst", "--rate", "1000");
    const started = Date.now();
    const locations = await Promise.all(
      Array.from({ length: CHECKS }, async () => {
        const response = await submitCheck(
          network.coordinator.url,
          { host: "127.0.0.1", port: labPort(network, "secure-pipelining") },
          { authorization: `Bearer ${key}` },
        );
        expect(response.status).toBe(202);
        return response.headers.get("location") ?? "";
      }),
    );
    const reports = await Promise.all(
      locations.map((location) => waitForCheck(network.coordinator.url, location, 280_000)),
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `burst: ${CHECKS} checks, node limit ${LIMIT}: at most ${inFlight.max} jobs in flight, ` +
        `${inFlight.total} jobs sent, all finished in ${seconds.toFixed(1)} s`,
    );
    expect(reports.map((report) => `${report.status} ${report.verdict}`)).toEqual(
      Array(CHECKS).fill("done closed"),
    );
    expect(reports.every((report) => report.mxHosts[0]?.addresses[0]?.vantages.length === 1)).toBe(
      true,
    );
    expect(inFlight.total).toBe(CHECKS);
    expect(inFlight.max).toBeLessThanOrEqual(LIMIT);
    // The limit was reached, not merely never approached.
    expect(inFlight.max).toBe(LIMIT);
  }, 300_000);
});
