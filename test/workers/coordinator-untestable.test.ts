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
  createCheck,
  getCheck,
  recordingQueue,
  reportVantages,
  runQueue,
  standIn,
  vantageRows,
} from "./coordinator-helpers.ts";

const NODES = [...TEST_NODES, ...TLS_FALLBACK_NODES];
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
      ...Object.fromEntries(NODE_JS.map((id) => [id, { kind: "result", verdict: "closed" }])),
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
