/**
 * Vantages that could not test: a node whose runtime could not speak TLS with the server hands
 * the address to a Node.js node not yet probing it, and the verdict rests on the vantages that
 * tested. Nodes are the stand-in (probe-node-stand-in.ts); D1 and the queue are real.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { ProbeMessage } from "../../workers/coordinator/src/checks/messages.ts";
import { TEST_NODES, TLS_FALLBACK_NODES } from "./coordinator-env.ts";
import {
  callMain,
  createCheck,
  getCheck,
  recordingQueue,
  reportVantages,
  runQueue,
  standIn,
  vantageRows,
} from "./coordinator-helpers.ts";

const NODES = [...TEST_NODES, ...TLS_FALLBACK_NODES];
/** What a hostile server may put in its certificate: the page shows it, escaped. */
const HOSTILE_CERTIFICATE = {
  protocol: "TLSv1.3",
  cipher: "TLS_AES_256_GCM_SHA384",
  authorized: false,
  authorizationError: "SELF_SIGNED_CERT_IN_CHAIN",
  peerSubject: "CN=<script>alert(1)</script>",
  peerIssuer: "O=Evil & Co",
  altNames: "DNS:mx.example",
  validFrom: "Jan 1 00:00:00 2026 GMT",
  validTo: "Jan 1 00:00:00 2027 GMT",
  fingerprint256: "AA:BB",
};
const nodesVar = (nodes: typeof NODES) =>
  JSON.stringify(nodes.map(({ secret: _secret, ...node }) => node));
const overrides = {
  PROBE_NODES: nodesVar(NODES),
  NODE_SECRETS: JSON.stringify(Object.fromEntries(NODES.map((node) => [node.id, node.secret]))),
};
const VERIFYING = NODES.filter((node) => node.runtime !== "node").map((node) => node.id);
const NODE_JS = NODES.filter((node) => node.runtime === "node").map((node) => node.id);

describe("a vantage that cannot speak TLS with the server", () => {
  // Each test's PROBE_NODES is its node registry: an empty registry is filled from them on the
  // first request (nodes/registry.ts), so each test starts from an empty one.
  beforeEach(async () => {
    await env.DB.exec("DELETE FROM probe_nodes");
  });

  it("hands the address to the Node.js nodes, and the check is closed from them", async () => {
    const created = await createCheck({ host: "127.0.0.1", port: 465 }, {}, overrides);
    expect(created.response.status).toBe(202);
    // The first five vantages that may reach the address: the Node.js nodes are not among them.
    const first = await vantageRows(created.body.id);
    expect(first.map((row) => row.nodeId)).toEqual(VERIFYING);
    await standIn.script(created.body.id, {
      ...Object.fromEntries(VERIFYING.map((id) => [id, { kind: "tls-not-testable" }])),
      ...Object.fromEntries(
        NODE_JS.map((id) => [id, { kind: "result", verdict: "closed", tls: HOSTILE_CERTIFICATE }]),
      ),
    });

    const replanned: ProbeMessage[] = [];
    const probeQueue = recordingQueue(env.PROBE_QUEUE, replanned);
    await runQueue(created.messages, { ...overrides, PROBE_QUEUE: probeQueue });
    // One Node.js node per such answer while any is left, each planned once.
    expect(replanned).toHaveLength(2);
    const afterFirstRound = await getCheck(created.body.id);
    expect(afterFirstRound.status).toBe("running");

    await runQueue(replanned, { ...overrides, PROBE_QUEUE: probeQueue });
    expect(replanned).toHaveLength(2);
    const report = await getCheck(created.body.id);
    expect(report).toMatchObject({ status: "done", verdict: "closed", disagreement: null });
    const vantages = reportVantages(report);
    expect(vantages.map((v) => [v.node, v.status]).sort()).toEqual(
      [...VERIFYING.map((id) => [id, "untestable"]), ...NODE_JS.map((id) => [id, "done"])].sort(),
    );
    expect(vantages.filter((v) => v.status === "untestable").map((v) => v.reason)).toEqual(
      Array(5).fill(expect.stringMatching(/^TLS not testable from this vantage \(certificate /)),
    );
    expect(report.reason).toMatch(
      /^every address refused to relay from every vantage that tested it \(sa-east, ap-south\); could not test: eu-central: TLS not testable/,
    );
    expect(report.reason).not.toContain("not corroborated");

    // The page: which vantages could not test TLS and who did instead, in words that do not
    // blame the certificate for the runtime's limit, and the certificate the Node.js nodes saw.
    const page = await (await callMain(`/report/${created.body.id}`)).text();
    expect(page).toContain(
      "no for 127.0.0.1: TLS not testable from this vantage (its runtime verifies every certificate; no fault of the server); tested instead from sa-east (",
    );
    expect(page).toContain(
      "this is a limit of this vantage and says nothing about your certificate",
    );
    expect(page).not.toContain("Check that the certificate chain is complete");
    expect(page).toContain("<code>CN=&lt;script&gt;alert(1)&lt;/script&gt;</code>");
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).toContain("<code>O=Evil &amp; Co</code>");
    expect(page).toContain("no: SELF_SIGNED_CERT_IN_CHAIN");
    expect(page).toMatch(/Jan 1 00:00:00 2026 GMT – Jan 1 00:00:00 2027 GMT/);
    const ja = await (await callMain(`/report/${created.body.id}?lang=ja`)).text();
    expect(ja).toContain("この観測点からは TLS を検査できません");
    expect(ja).toContain("いいえ：SELF_SIGNED_CERT_IN_CHAIN");
  });

  it("is inconclusive, naming why, when no vantage could test the address", async () => {
    const verifyingOnly = NODES.filter((node) => node.runtime !== "node");
    const only = { ...overrides, PROBE_NODES: nodesVar(verifyingOnly) };
    const created = await createCheck({ host: "127.0.0.2", port: 465 }, {}, only);
    expect(created.response.status).toBe(202);
    await standIn.script(
      created.body.id,
      Object.fromEntries(VERIFYING.map((id) => [id, { kind: "tls-not-testable" }])),
    );
    const replanned: ProbeMessage[] = [];
    await runQueue(created.messages, {
      ...only,
      PROBE_QUEUE: recordingQueue(env.PROBE_QUEUE, replanned),
    });
    expect(replanned).toEqual([]);
    const report = await getCheck(created.body.id);
    // Every vantage answered: the check is finished, not failed, and says it could not test.
    expect(report).toMatchObject({ status: "done", verdict: "inconclusive" });
    expect(report.reason).toMatch(
      /^no vantage could test 127\.0\.0\.2 \(127\.0\.0\.2\); could not test: /,
    );
    // The vantages' limit, not the server's certificate, in the API and on the page.
    expect(report.couldNotTest?.kind).toBe("tls-not-testable-here");
    const page = await (await callMain(`/report/${created.body.id}`)).text();
    expect(page).toContain("says nothing about your certificate");
    expect(page).toContain("no vantage on Node.js could test it instead");
    expect(page).not.toContain("Check that the certificate chain is complete");
  });

  it("sets aside an unreachable node: closed from the two that answered", async () => {
    const created = await createCheck({ host: "127.0.0.3", port: 25 });
    expect(created.response.status).toBe(202);
    const [fra, iad, sin] = TEST_NODES.map((node) => node.id);
    await standIn.script(created.body.id, {
      [fra ?? ""]: { kind: "result", verdict: "closed" },
      [iad ?? ""]: { kind: "result", verdict: "closed" },
      [sin ?? ""]: { kind: "raw", status: 502, body: "bad gateway" },
    });
    await runQueue(created.messages);
    const report = await getCheck(created.body.id);
    expect(report).toMatchObject({ status: "done", verdict: "closed" });
    expect(report.reason).toBe(
      `every address refused to relay from every vantage that tested it (eu-central, us-east); could not test: ap-southeast: node ${sin} (ap-southeast) refused the job: HTTP 502`,
    );
  });
});
