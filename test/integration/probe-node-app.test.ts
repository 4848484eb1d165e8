/**
 * The probe node's app in-process, with a `connect` that records calls instead of connecting:
 * configuration, limits and error shapes that need no workerd to show.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { probeNodeCapnp } from "../../lab/workerd-config.ts";
import { signBody } from "../../shared/auth/hmac.ts";
import { ApiError, NodeHealth } from "../../shared/schemas/protocol.ts";
import {
  type CloudflareConnect,
  cloudflareConnector,
} from "../../shared/smtp/cloudflare-stream.ts";
import { createProbeApp, MAX_JOB_BYTES } from "../../workers/probe/app.ts";

const SECRET = "relaywatch-probe-app-test-secret-0123456789";

const ENV = {
  NODE_ID: "app-test",
  NODE_REGION: "eu-west",
  NODE_NETWORK: "lab",
  NODE_RUNTIME: "workerd",
  NODE_ALLOWED_PORTS: "587, 25,465,25",
  PROBE_SECRET: SECRET,
};

function appWithConnectLog(now?: () => number) {
  const connects: unknown[] = [];
  const connect: CloudflareConnect = (address) => {
    connects.push(address);
    throw new Error("this test never connects");
  };
  const app = createProbeApp({
    connector: cloudflareConnector(connect),
    runtimes: ["cloudflare", "workerd"],
    ...(now ? { now } : {}),
  });
  return { app, connects };
}

async function errorOf(response: Response, status: number, code: string): Promise<ApiError> {
  expect(response.status).toBe(status);
  const error = ApiError.parse(await response.json());
  expect(error.code).toBe(code);
  return error;
}

const jobBody = (port: number) =>
  JSON.stringify({
    checkId: "c",
    jobId: "j",
    target: { address: "127.0.0.1", port, hostName: null, implicitTls: false },
    targetDomain: null,
    caseIds: null,
    timeBudgetMs: 5_000,
  });

describe("configuration", () => {
  it("serves the identity to a signed health check, ports sorted and deduplicated, loopback off by default", async () => {
    const { app } = appWithConnectLog();
    const response = await app.request("/v1/health", { headers: await signBody(SECRET, "") }, ENV);
    expect(response.status).toBe(200);
    expect(NodeHealth.parse(await response.json())).toEqual({
      node: {
        nodeId: "app-test",
        region: "eu-west",
        network: "lab",
        runtime: "workerd",
        allowedPorts: [25, 465, 587],
        loopbackAllowed: false,
        ehloName: "probe-eu-west.relaywatch.dev",
        maxConcurrentJobs: 4,
      },
      // No NODE_SITE: the region stands in.
      location: { kind: "site", name: "eu-west" },
    });
  });

  it("names itself in EHLO under the configured service domain", async () => {
    const { app } = appWithConnectLog();
    const env = { ...ENV, NODE_SERVICE_DOMAIN: "probes.example.net" };
    const response = await app.request("/v1/health", { headers: await signBody(SECRET, "") }, env);
    expect(NodeHealth.parse(await response.json()).node.ehloName).toBe(
      "probe-eu-west.probes.example.net",
    );
  });

  it("answers an unsigned or wrongly signed health check 401", async () => {
    const { app } = appWithConnectLog();
    await errorOf(await app.request("/v1/health", {}, ENV), 401, "unauthorized");
    const forged = await signBody("another-secret-0123456789abcdef0123456789", "");
    await errorOf(await app.request("/v1/health", { headers: forged }, ENV), 401, "unauthorized");
  });

  it("reports the Cloudflare colo on the cloudflare runtime, and its site elsewhere", async () => {
    const { app } = appWithConnectLog();
    const cloudflare = { ...ENV, NODE_RUNTIME: "cloudflare", NODE_ALLOWED_PORTS: "465,587" };
    const request = new Request("http://node/v1/health", { headers: await signBody(SECRET, "") });
    Object.defineProperty(request, "cf", { value: { colo: "FRA" } });
    const onCloudflare = NodeHealth.parse(await (await app.fetch(request, cloudflare)).json());
    expect(onCloudflare.location).toEqual({ kind: "colo", name: "FRA" });
    const selfHosted = { ...ENV, NODE_SITE: "fsn1-dc14", NODE_MAX_CONCURRENT_JOBS: "8" };
    const request2 = new Request("http://node/v1/health", { headers: await signBody(SECRET, "") });
    Object.defineProperty(request2, "cf", { value: { colo: "DFW" } });
    const onVps = NodeHealth.parse(await (await app.fetch(request2, selfHosted)).json());
    expect(onVps.location).toEqual({ kind: "site", name: "fsn1-dc14" });
    expect(onVps.node.maxConcurrentJobs).toBe(8);
  });

  it.each([
    ["no environment at all", {}, /NODE_ID/],
    ["port 25 on Cloudflare", { NODE_RUNTIME: "cloudflare" }, /forbids outbound port 25/],
    [
      "the Node.js runtime on this build",
      { NODE_RUNTIME: "node" },
      /runs on cloudflare or workerd/,
    ],
    ["a region that is no DNS label", { NODE_REGION: "EU West" }, /NODE_REGION/],
    ["an ambiguous loopback switch", { ALLOW_LOOPBACK_TARGETS: "yes" }, /ALLOW_LOOPBACK_TARGETS/],
    [
      "a service domain that is no domain",
      { NODE_SERVICE_DOMAIN: "Relay Watch" },
      /NODE_SERVICE_DOMAIN/,
    ],
    ["a short secret", { PROBE_SECRET: "short" }, /PROBE_SECRET/],
    ["a port list with words", { NODE_ALLOWED_PORTS: "smtp" }, /NODE_ALLOWED_PORTS/],
    ["a message cap above 3", { NODE_MAX_MESSAGES: "9" }, /NODE_MAX_MESSAGES/],
    ["a report origin with a path", { NODE_REPORT_ORIGIN: "https://a.example/x" }, /ORIGIN/],
    ["a canary domain with a path", { NODE_CANARY_DOMAIN: "a.example/x" }, /CANARY_DOMAIN/],
  ])("answers every request 500 node_misconfigured for %s", async (_, changes, problem) => {
    const { app, connects } = appWithConnectLog();
    const env = Object.keys(changes).length === 0 ? {} : { ...ENV, ...changes };
    for (const [path, init] of [
      ["/v1/health", {}],
      [
        "/v1/probe",
        { method: "POST", body: jobBody(25), headers: await signBody(SECRET, jobBody(25)) },
      ],
    ] as const) {
      const error = await errorOf(await app.request(path, init, env), 500, "node_misconfigured");
      expect(error.message).toMatch(problem);
      expect(error.message).not.toContain(SECRET);
    }
    expect(connects).toEqual([]);
  });
});

describe("requests", () => {
  it("refuses a body over the cap with 413 before reading the rest", async () => {
    const { app, connects } = appWithConnectLog();
    const body = "x".repeat(MAX_JOB_BYTES + 1);
    const response = await app.request("/v1/probe", { method: "POST", body }, ENV);
    await errorOf(response, 413, "payload_too_large");
    expect(connects).toEqual([]);
  });

  it("judges the replay window by the injected clock", async () => {
    const yesterday = Date.now() - 86_400_000;
    const { app, connects } = appWithConnectLog(() => yesterday);
    const body = jobBody(2525);
    const headers = await signBody(SECRET, body, Math.floor(yesterday / 1000));
    const response = await app.request("/v1/probe", { method: "POST", body, headers }, ENV);
    // Authentic for that clock, so it gets as far as the port check.
    expect((await errorOf(response, 403, "port_not_allowed")).message).toContain("25, 465, 587");
    expect(connects).toEqual([]);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const { app } = appWithConnectLog();
    await errorOf(await app.request("/v1/nothing", {}, ENV), 404, "not_found");
  });
});

describe("the checked-in workerd sample", () => {
  it("is what probeNodeCapnp generates for it, so the two cannot drift apart", async () => {
    const sample = await readFile(
      new URL("../../workers/probe/workerd.capnp", import.meta.url),
      "utf8",
    );
    const generated = probeNodeCapnp({
      nodeId: "vps-eu-west-1",
      region: "eu-west",
      network: "example-hosting",
      site: "fsn1",
      maxConcurrentJobs: 4,
      listenPort: 8787,
      bundlePath: "probe.js",
      allowLoopback: false,
      allowedPorts: [25, 465, 587, 2525],
      serviceDomain: "relaywatch.dev",
    });
    expect(sample).toBe(generated);
    expect(sample).toContain('allow = [ "public" ]');
    expect(sample).toContain('fromEnvironment = "PROBE_SECRET"');
  });
});
