/**
 * The probe node as it runs self-hosted: the real bundles in real workerd and Node.js
 * processes, probing lab servers. Every socket in this file, the node's included, targets
 * 127.0.0.1.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningProbeNode, startProbeNode } from "../../lab/probe-node.ts";
import { type RunningSim, type SimBehaviour, startSim } from "../../lab/sim/index.ts";
import { signBody } from "../../shared/auth/hmac.ts";
import { LAB_CANARY_DOMAIN } from "../../shared/probe/defaults.ts";
import {
  ApiError,
  PROBE_STREAM_TYPE,
  type ProbeJob,
  ProbeResponse,
  ProbeStreamLine,
} from "../../shared/schemas/protocol.ts";
import { buildNodejsProbeBundle, buildProbeBundle } from "../../workers/probe/build.ts";

const SECRET = "relaywatch-probe-node-test-secret-0123456789";
const NODE_REPORT_ORIGIN = "https://relaywatch.example";
const PROOF_KEY = "ab".repeat(32);
const LAB_CA_CERTIFICATES = ["ca.crt", "odd-ca.crt"].map((file) =>
  fileURLToPath(new URL(`../../lab/certs/${file}`, import.meta.url)),
);
const LOOPBACK = "127.0.0.1";

/** A TCP server that only counts who connects: the proof that a refusal opened no socket. */
interface ConnectionCounter {
  port: number;
  connections: number;
  close(): Promise<void>;
}

/**
 * Counts who connects. By default it hangs up at once; `stall` keeps each connection open and
 * says nothing, so a run against it is slow.
 */
async function listenCounting(port = 0, { stall = false } = {}): Promise<ConnectionCounter> {
  const held = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    if (!stall) return socket.destroy();
    held.add(socket);
    socket.on("close", () => held.delete(socket));
    socket.on("error", () => {});
  });
  server.listen(port, LOOPBACK);
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    close: () => {
      for (const socket of held) socket.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

/** Port 25 needs privileges on most machines; where it is free and ours, watch it too. */
async function tryListenCounting(port: number): Promise<ConnectionCounter | null> {
  try {
    return await listenCounting(port);
  } catch {
    return null;
  }
}

let jobCount = 0;

/** A job with an id of its own: a node runs each job id once. */
function job(port: number, overrides: Partial<ProbeJob> = {}): ProbeJob {
  jobCount += 1;
  return {
    checkId: "check-1",
    jobId: `job-${jobCount}`,
    target: { address: LOOPBACK, port, hostName: null, implicitTls: false },
    proof: null,
    targetDomain: null,
    caseIds: null,
    timeBudgetMs: 20_000,
    ...overrides,
  };
}

async function post(
  node: RunningProbeNode,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${node.url}/v1/probe`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, json: await response.json() };
}

async function postSigned(node: RunningProbeNode, body: string, secret = SECRET) {
  return post(node, body, await signBody(secret, body));
}

function expectApiError(
  reply: { status: number; json: unknown },
  status: number,
  code: string,
): ApiError {
  expect(reply.status).toBe(status);
  const error = ApiError.parse(reply.json);
  expect(error.code).toBe(code);
  return error;
}

let workDir: string;
let bundlePath: string;
let counter: ConnectionCounter;
/** Where the one job that should connect goes, so `counter` stays at zero throughout. */
let reachable: ConnectionCounter;
// Bound before the tests are collected: whether the port-25 check runs depends on it.
const port25Counter = await tryListenCounting(25);
/** A self-hosted node for the lab: loopback allowed, so signed jobs really connect. */
let euWest: RunningProbeNode;
let apNortheast: RunningProbeNode;
/** A lab node as `npm start` runs it: trusting the lab CAs, so lab TLS verifies. */
let trustingLabCa: RunningProbeNode;
/** Configured as a Cloudflare node: 465 and 587 only, no loopback. */
let cloudflareLike: RunningProbeNode;
/** Self-hosted production settings: every SMTP port, and the counter's, but no loopback. */
let production: RunningProbeNode;
/** The app allows loopback but workerd's network does not: the second line of defence. */
let publicNetworkOnly: RunningProbeNode;
/** The Node.js node for the lab: loopback allowed, certificates recorded and never refused. */
let nodeJs: RunningProbeNode;
/** The Node.js node with production settings: no loopback. */
let nodeJsProduction: RunningProbeNode;
const sims = new Map<SimBehaviour, RunningSim>();

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "relaywatch-probe-node-"));
  bundlePath = await buildProbeBundle(join(workDir, "bundle", "index.js"));
  const nodeBundlePath = await buildNodejsProbeBundle(join(workDir, "bundle-node", "index.js"));
  counter = await listenCounting();
  reachable = await listenCounting();
  const common = { bundlePath, workDir, secret: SECRET, network: "lab" };
  const labNode = {
    ...common,
    allowedPorts: [25, 465, 587, 2525],
    allowLoopback: true,
    canaryDomain: LAB_CANARY_DOMAIN,
    reportOrigin: NODE_REPORT_ORIGIN,
  };
  [euWest, apNortheast, trustingLabCa, cloudflareLike, production, publicNetworkOnly] =
    await Promise.all([
      startProbeNode({ ...labNode, nodeId: "lab-eu-west", region: "eu-west" }),
      startProbeNode({ ...labNode, nodeId: "lab-ap-northeast", region: "ap-northeast" }),
      startProbeNode({
        ...labNode,
        nodeId: "lab-trusting-ca",
        region: "us-east",
        trustedCertificates: LAB_CA_CERTIFICATES,
      }),
      startProbeNode({
        ...common,
        nodeId: "cf-like",
        region: "eu-west",
        runtime: "cloudflare",
        allowedPorts: [465, 587],
        allowLoopback: false,
      }),
      startProbeNode({
        ...common,
        nodeId: "production",
        region: "eu-west",
        allowedPorts: [25, 465, 587, 2525, counter.port],
        allowLoopback: false,
      }),
      startProbeNode({
        ...labNode,
        nodeId: "public-network-only",
        region: "eu-west",
        editConfig: (capnp) => capnp.replace(/allow = \[[^\]]*\]/, 'allow = [ "public" ]'),
      }),
    ]);
  [nodeJs, nodeJsProduction] = await Promise.all([
    startProbeNode({
      ...labNode,
      bundlePath: nodeBundlePath,
      runtime: "node",
      nodeId: "lab-node-js",
      region: "sa-east",
    }),
    startProbeNode({
      ...common,
      bundlePath: nodeBundlePath,
      runtime: "node",
      nodeId: "production-node-js",
      region: "sa-east",
      allowedPorts: [25, 465, 587, 2525, counter.port],
      allowLoopback: false,
    }),
  ]);
  for (const behaviour of [
    "open-relay",
    "secure-pipelining",
    "trusted-vantage",
    "starttls-required",
    "implicit-tls",
    "tls-self-signed",
    "tls-expired",
    "tls-wrong-name",
    "tls12-only",
    "tls-secure",
  ] as const) {
    sims.set(behaviour, await startSim(behaviour));
  }
  // Slow enough that streamed lines visibly come before the answer, fast enough for a test.
  sims.set("tarpit", await startSim("tarpit", { tarpitDelayMs: 300 }));
});

afterAll(async () => {
  await Promise.allSettled(
    [
      euWest,
      apNortheast,
      trustingLabCa,
      cloudflareLike,
      production,
      publicNetworkOnly,
      nodeJs,
      nodeJsProduction,
    ].map((node) => node?.kill()),
  );
  await Promise.allSettled([...sims.values()].map((sim) => sim.close()));
  await counter?.close();
  await reachable?.close();
  await port25Counter?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function simPort(behaviour: SimBehaviour): number {
  const sim = sims.get(behaviour);
  if (!sim) throw new Error(`${behaviour} is not running`);
  return sim.port;
}

describe("authentication comes before anything else", () => {
  it("refuses an unsigned job with 401 and opens no socket", async () => {
    const reply = await post(euWest, JSON.stringify(job(counter.port)), {});
    expectApiError(reply, 401, "unauthorized");
    expect(counter.connections).toBe(0);
  });

  it("refuses a job signed with another secret", async () => {
    const body = JSON.stringify(job(counter.port));
    const reply = await postSigned(euWest, body, "another-secret-of-at-least-32-characters");
    expectApiError(reply, 401, "unauthorized");
    expect(counter.connections).toBe(0);
  });

  it("refuses a correctly signed job whose timestamp is more than 300 s old", async () => {
    const body = JSON.stringify(job(counter.port));
    const stale = await signBody(SECRET, body, Math.floor(Date.now() / 1000) - 301);
    const reply = await post(euWest, body, stale);
    expect(expectApiError(reply, 401, "unauthorized").message).toMatch(/replay window/);
    expect(counter.connections).toBe(0);
  });

  it("refuses a signature that does not cover the body it came with", async () => {
    const headers = await signBody(SECRET, JSON.stringify(job(counter.port)));
    const tampered = JSON.stringify(job(counter.port, { timeBudgetMs: 30_000 }));
    expectApiError(await post(euWest, tampered, headers), 401, "unauthorized");
    expect(counter.connections).toBe(0);
  });
});

describe("jobs the node must not run", () => {
  it("a Cloudflare node refuses port 25 with 403 port_not_allowed, naming its ports", async () => {
    const reply = await postSigned(cloudflareLike, JSON.stringify(job(25)));
    const error = expectApiError(reply, 403, "port_not_allowed");
    expect(error.message).toContain("Cloudflare, which forbids outbound port 25");
    expect(error.message).toContain("465, 587");
    expect(counter.connections).toBe(0);
  });

  it.runIf(port25Counter !== null)("and nothing reached 127.0.0.1:25", () => {
    expect(port25Counter?.connections).toBe(0);
  });

  it("checks the port before the address, and connects nowhere", async () => {
    const reply = await postSigned(cloudflareLike, JSON.stringify(job(counter.port)));
    expect(expectApiError(reply, 403, "port_not_allowed").message).toContain(`${counter.port}`);
    expect(counter.connections).toBe(0);
  });

  it("a node without loopback refuses 127.0.0.1 with 403 forbidden_address", async () => {
    const reply = await postSigned(production, JSON.stringify(job(counter.port)));
    expectApiError(reply, 403, "forbidden_address");
    expect(counter.connections).toBe(0);
  });

  it("refuses malformed JSON with 400 invalid_job", async () => {
    const reply = await postSigned(euWest, "{ not json");
    expectApiError(reply, 400, "invalid_job");
    expect(counter.connections).toBe(0);
  });

  it("refuses a job with unknown fields with 400 invalid_job", async () => {
    const body = JSON.stringify({ ...job(counter.port), relayTo: "elsewhere" });
    const error = expectApiError(await postSigned(euWest, body), 400, "invalid_job");
    expect(error.message).toContain("relayTo");
    expect(counter.connections).toBe(0);
  });

  it("workerd itself blocks loopback when its network allows only public addresses", async () => {
    const body = JSON.stringify(job(counter.port, { timeBudgetMs: 3_000 }));
    const reply = await postSigned(publicNetworkOnly, body);
    expect(reply.status).toBe(200);
    const { result } = ProbeResponse.parse(reply.json);
    expect(result.verdict).toBe("inconclusive");
    expect(result.reason).toMatch(/cannot connect/);
    expect(counter.connections).toBe(0);
  });

  it("does connect once a job is signed and allowed: the counting is real", async () => {
    const body = JSON.stringify(job(reachable.port, { timeBudgetMs: 3_000 }));
    const reply = await postSigned(euWest, body);
    expect(reply.status).toBe(200);
    expect(ProbeResponse.parse(reply.json).result.verdict).toBe("inconclusive");
    expect(reachable.connections).toBeGreaterThan(0);
    expect(counter.connections).toBe(0);
  });
});

describe("a self-hosted node runs the real suite through workerd", () => {
  it("reports its identity and site, and no secret, to a signed /v1/health only", async () => {
    expect((await fetch(`${euWest.url}/v1/health`)).status).toBe(401);
    const response = await fetch(`${euWest.url}/v1/health`, {
      headers: await signBody(SECRET, ""),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toEqual({
      node: {
        nodeId: "lab-eu-west",
        region: "eu-west",
        network: "lab",
        runtime: "workerd",
        allowedPorts: [25, 465, 587, 2525],
        loopbackAllowed: true,
        ehloName: "probe-eu-west.relaywatch.dev",
        maxConcurrentJobs: 4,
      },
      location: { kind: "site", name: "eu-west" },
    });
  });

  it.each([
    ["open-relay", "open"],
    ["secure-pipelining", "closed"],
  ] as const)("calls %s %s", async (behaviour, verdict) => {
    const reply = await postSigned(euWest, JSON.stringify(job(simPort(behaviour))));
    expect(reply.status).toBe(200);
    const response = ProbeResponse.parse(reply.json);
    expect(response.node.region).toBe("eu-west");
    expect(response.result.verdict).toBe(verdict);
    const greeting = response.result.transcript.find((line) => line.dir === "client");
    expect(greeting?.line).toBe("EHLO probe-eu-west.relaywatch.dev");
  });

  it("passes a proof request through to the engine: accepted cases get their DATA reply", async () => {
    const body = JSON.stringify(
      job(simPort("open-relay"), {
        proof: { maxMessages: 2, key: PROOF_KEY },
        tokenNonce: "proofnonce1",
      }),
    );
    const reply = await postSigned(euWest, body);
    const response = ProbeResponse.parse(reply.json);
    const delivered = response.result.cases.filter((c) => c.data !== null);
    expect(delivered).toHaveLength(2);
    expect(delivered.every((c) => c.outcome === "accepted" && c.data?.code === 250)).toBe(true);
    // The vantage key travels to the node, never back.
    expect(JSON.stringify(reply.json)).not.toContain(PROOF_KEY);
  });

  it("sends at most its own cap of 3 messages, to its own canary domain, whatever the job asks", async () => {
    const body = JSON.stringify(
      job(simPort("open-relay"), {
        proof: { maxMessages: 10, key: PROOF_KEY },
        tokenNonce: "proofnonce2",
      }),
    );
    const { result } = ProbeResponse.parse((await postSigned(euWest, body)).json);
    expect(result.cases.filter((c) => c.data !== null)).toHaveLength(3);
    expect(result.names.canaryDomain).toBe(LAB_CANARY_DOMAIN);
    expect(result.cases.every((c) => c.rcptTo.toLowerCase().includes(LAB_CANARY_DOMAIN))).toBe(
      true,
    );
  });

  it("refuses a job that names its own canary domain or report link", async () => {
    const forged = {
      ...job(counter.port, { tokenNonce: "proofnonce3" }),
      canaryDomain: "victim.example",
      proof: { maxMessages: 3, key: PROOF_KEY, reportUrl: "https://evil.example/" },
    };
    const error = expectApiError(
      await postSigned(euWest, JSON.stringify(forged)),
      400,
      "invalid_job",
    );
    expect(error.message).toMatch(/canaryDomain|reportUrl/);
    expect(counter.connections).toBe(0);
  });

  it.each([
    ["workerd", () => euWest],
    ["Node.js", () => nodeJs],
  ])(
    "on %s, runs a job once: a repeat gets that run's answer, even after its caller went away",
    async (_, node) => {
      const stalling = await listenCounting(0, { stall: true });
      try {
        const body = JSON.stringify(job(stalling.port, { timeBudgetMs: 2_000 }));
        const headers = await signBody(SECRET, body);
        // The first caller goes away mid-run, as when the coordinator's pooled connection is lost.
        const firstCaller = new AbortController();
        const abandoned = fetch(`${node().url}/v1/probe`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
          signal: firstCaller.signal,
        }).catch(() => null);
        while (stalling.connections === 0) await new Promise((wait) => setTimeout(wait, 20));
        firstCaller.abort();
        await abandoned;

        // The very request again (same signature): the run went on, and its answer comes back.
        const repeat = await post(node(), body, headers);
        expect(repeat.status).toBe(200);
        const answer = ProbeResponse.parse(repeat.json);
        expect(answer.result.verdict).toBe("inconclusive");
        const afterRun = stalling.connections;
        // A fresh signature of the same job: the same answer again, and no new connection.
        const again = await postSigned(node(), body);
        expect(again).toEqual(repeat);
        expect(stalling.connections).toBe(afterRun);
      } finally {
        await stalling.close();
      }
    },
  );

  it("streams its plan and each case as answered, then the answer, when asked for NDJSON", async () => {
    const body = JSON.stringify(
      job(simPort("tarpit"), { caseIds: ["canary-sender", "null-sender"] }),
    );
    const response = await fetch(`${euWest.url}/v1/probe`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: PROBE_STREAM_TYPE,
        ...(await signBody(SECRET, body)),
      },
      body,
    });
    expect(response.headers.get("content-type")).toBe(PROBE_STREAM_TYPE);
    // Read as it comes: the first line must arrive long before the tarpit lets the run finish.
    const started = Date.now();
    const arrivals: { line: ProbeStreamLine; at: number }[] = [];
    let buffered = "";
    for await (const chunk of response.body ?? []) {
      buffered += new TextDecoder().decode(chunk);
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const text of lines)
        arrivals.push({ line: ProbeStreamLine.parse(JSON.parse(text)), at: Date.now() - started });
    }
    const kinds = arrivals.map(({ line }) => line.type);
    expect(kinds).toEqual(["plan", "case", "case", "answer"]);
    expect(arrivals[0]?.line).toEqual({ type: "plan", cases: 2 });
    const answer = arrivals.at(-1);
    if (answer?.line.type !== "answer") throw new Error("no answer line");
    expect(answer.line.response.result.cases.map((c) => c.id).sort()).toEqual(
      arrivals.flatMap(({ line }) => (line.type === "case" ? [line.id] : [])).sort(),
    );
    expect(answer.at - (arrivals[0]?.at ?? 0)).toBeGreaterThan(1_000);
  });

  it("sees trusted-vantage open from ap-northeast and closed from eu-west", async () => {
    const body = JSON.stringify(job(simPort("trusted-vantage")));
    const [fromAsia, fromEurope] = await Promise.all(
      [apNortheast, euWest].map(async (node) =>
        ProbeResponse.parse((await postSigned(node, body)).json),
      ),
    );
    expect(fromAsia?.node.region).toBe("ap-northeast");
    expect(fromAsia?.result.verdict).toBe("open");
    expect(fromEurope?.node.region).toBe("eu-west");
    expect(fromEurope?.result.verdict).toBe("closed");
  });
});

const probe = async (
  node: RunningProbeNode,
  behaviour: SimBehaviour,
  implicitTls = false,
  hostName: string | null = null,
) => {
  const target = { address: LOOPBACK, port: simPort(behaviour), hostName, implicitTls };
  const body = JSON.stringify(job(simPort(behaviour), { target }));
  return ProbeResponse.parse((await postSigned(node, body)).json).result;
};

describe("TLS as workerd does it: every certificate verified", () => {
  it("tests a STARTTLS-only server over TLS when the node trusts its certificate", async () => {
    const result = await probe(trustingLabCa, "starttls-required");
    expect(result.verdict).toBe("open");
    expect(result.connections.length).toBeGreaterThan(0);
    expect(result.connections.every((connection) => connection.tls)).toBe(true);
  });

  it("tests an implicit-TLS server when the node trusts its certificate", async () => {
    const result = await probe(trustingLabCa, "implicit-tls", true);
    expect(result.verdict).toBe("open");
    expect(result.connections.every((connection) => connection.tls)).toBe(true);
  });

  it("says TLS is not testable from this vantage, and never closed, when it cannot verify the certificate", async () => {
    const result = await probe(euWest, "starttls-required");
    expect(result.verdict).toBe("inconclusive");
    expect(result.notTestableHere).toMatch(/^TLS not testable from this vantage \(certificate /);
    expect(result.notTestableHere).toContain("TLS handshake failed");
    expect(result.reason).toBe(result.notTestableHere);
    // Refused for want of TLS (530), not for relaying: no case counts as a refusal.
    expect(result.cases.some((probeCase) => probeCase.outcome === "refused")).toBe(false);
  });

  it.each([
    ["tls-self-signed", false, "mx.tls-self-signed.lab.test"],
    ["tls-wrong-name", false, "mx.tls-wrong-name.lab.test"],
    ["tls-expired", true, "mx.tls-expired.lab.test"],
    ["tls-secure", false, "mx.tls-secure.lab.test"],
  ] as const)(
    "cannot test %s even when trusting the lab CAs",
    async (behaviour, implicit, name) => {
      const result = await probe(trustingLabCa, behaviour, implicit, name);
      expect(result.verdict).toBe("inconclusive");
      expect(result.notTestableHere).toMatch(/^TLS not testable from this vantage \(certificate /);
    },
  );

  it("tests a TLS 1.2-only server whose certificate verifies", async () => {
    const result = await probe(trustingLabCa, "tls12-only", true, "mx.tls12-only.lab.test");
    expect(result).toMatchObject({ verdict: "open", notTestableHere: null });
  });

  it("still tests in plain text when TLS fails but the server does not insist on it", async () => {
    const result = await probe(euWest, "open-relay");
    expect(result).toMatchObject({ verdict: "open", notTestableHere: null });
  });
});

describe("a Node.js node: the same app and engine, every certificate recorded, none refused", () => {
  it("reports runtime node at its signed /v1/health", async () => {
    const response = await fetch(`${nodeJs.url}/v1/health`, {
      headers: await signBody(SECRET, ""),
    });
    expect(await response.json()).toEqual({
      node: {
        nodeId: "lab-node-js",
        region: "sa-east",
        network: "lab",
        runtime: "node",
        allowedPorts: [25, 465, 587, 2525],
        loopbackAllowed: true,
        ehloName: "probe-sa-east.relaywatch.dev",
        maxConcurrentJobs: 4,
      },
      // No NODE_SITE: the region stands in.
      location: { kind: "site", name: "sa-east" },
    });
  });

  it.each([
    ["tls-self-signed", false, "open", /DEPTH_ZERO_SELF_SIGNED_CERT/, /tls-self-signed/],
    ["tls-expired", true, "open", /./, /DNS:mx\.tls-expired\.lab\.test/],
    ["tls-wrong-name", false, "open", /./, /DNS:mail\.elsewhere\.example/],
    ["tls12-only", true, "open", /./, /DNS:mx\.tls12-only\.lab\.test/],
    ["tls-secure", false, "closed", /DEPTH_ZERO_SELF_SIGNED_CERT/, /tls-secure/],
  ] as const)(
    "finds %s (implicit TLS: %s) %s over TLS",
    async (behaviour, implicit, verdict, why, names) => {
      const name = `mx.${behaviour}.lab.test`;
      const result = await probe(nodeJs, behaviour, implicit, name);
      expect(result).toMatchObject({ verdict, notTestableHere: null });
      expect(result.connections.length).toBeGreaterThan(0);
      expect(result.connections.every((connection) => connection.tls)).toBe(true);
      expect(result.tls).toMatchObject({
        authorized: false,
        authorizationError: expect.stringMatching(why),
        peerSubject: expect.stringContaining("O=Relaywatch lab"),
        peerIssuer: expect.stringContaining("O=Relaywatch lab"),
        altNames: expect.stringMatching(names),
        validFrom: expect.any(String),
        validTo: expect.any(String),
        fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
      });
      const described = result.transcript.find((line) => line.line.startsWith("TLS established"));
      expect(described?.line).toContain("certificate not verified");
    },
  );

  it("records the expiry and the TLS version it met", async () => {
    const expired = await probe(nodeJs, "tls-expired", true, "mx.tls-expired.lab.test");
    expect(expired.tls?.validTo).toContain("2021");
    const tls12 = await probe(nodeJs, "tls12-only", true, "mx.tls12-only.lab.test");
    expect(tls12.tls?.protocol).toBe("TLSv1.2");
  });

  it.each([
    ["127.0.0.1", "loopback"],
    ["10.0.0.5", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "CGNAT"],
  ])("refuses %s (%s) itself with 403 forbidden_address, opening nothing", async (address) => {
    const body = JSON.stringify(
      job(counter.port, {
        target: { address, port: counter.port, hostName: null, implicitTls: false },
      }),
    );
    expectApiError(await postSigned(nodeJsProduction, body), 403, "forbidden_address");
    expect(counter.connections).toBe(0);
  });

  it("refuses an unsigned job with 401 like the workerd node", async () => {
    expectApiError(await post(nodeJs, JSON.stringify(job(counter.port)), {}), 401, "unauthorized");
    expect(counter.connections).toBe(0);
  });
});
