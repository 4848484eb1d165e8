import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { wrapNodeSecret } from "../../shared/auth/secret-wrap.ts";
import { RELAY_CASE_IDS } from "../../shared/probe/cases.ts";
import { ProbeJob } from "../../shared/schemas/protocol.ts";
import { findCheck } from "../../workers/coordinator/src/db/repository.ts";
import { probeNodes } from "../../workers/coordinator/src/db/schema.ts";
import { MAX_SLOT_WAIT_MS } from "../../workers/coordinator/src/nodes/leases.ts";
import { insertApiKey } from "./access-fixtures.ts";
import {
  NODE_SECRET_KEY,
  PROBE_TIME_BUDGET_MS,
  type RecordedCall,
  TEST_NODES,
} from "./coordinator-env.ts";
import {
  backdateCheck,
  callMain,
  countRows,
  createCheck,
  db,
  expectApiError,
  expireDeadline,
  getCheck,
  postJson,
  reportVantages,
  runQueue,
  runScheduled,
  standIn,
  vantageRows,
} from "./coordinator-helpers.ts";

/**
 * Checks end to end inside the coordinator: POST plans and queues one job per (address x
 * vantage), the queue consumer calls the stand-in probe nodes and stores what they answer, and
 * GET shows the stored outcome. Config: ALLOW_LOOPBACK_TARGETS, the zone and the three nodes of
 * test/workers/coordinator-env.ts.
 */

const NODE_IDS = TEST_NODES.map((node) => node.id);
const [FRA, IAD, SIN] = NODE_IDS as [string, string, string];

function nodeById(id: string) {
  const node = TEST_NODES.find((candidate) => candidate.id === id);
  if (!node) throw new Error(`no test node ${id}`);
  return node;
}

/** A host check on the loopback test port, fanned out to the three nodes. */
async function loopbackCheck() {
  const created = await createCheck({ host: "127.0.0.1", port: 2525 });
  expect(created.response.status).toBe(202);
  expect(created.messages).toHaveLength(3);
  return created;
}

/**
 * The calls the stand-in got for a check: one per vantage, each to its node's URL, signed with
 * that node's secret, and carrying a valid job whose target is the vantage's guarded address.
 */
async function expectWellFormedCalls(checkId: string, count: number): Promise<RecordedCall[]> {
  const calls = await standIn.calls(checkId);
  expect(calls).toHaveLength(count);
  const rows = await vantageRows(checkId);
  for (const call of calls) {
    expect(call).toMatchObject({
      method: "POST",
      contentType: "application/json",
      signatureProblem: null,
      jobProblems: [],
    });
    const job = ProbeJob.parse(call.body);
    const row = rows.find((candidate) => candidate.id === job.jobId);
    expect(row, `a vantage for job ${job.jobId}`).toBeDefined();
    expect(call.nodeId).toBe(row?.nodeId);
    expect(call.url).toBe(`${nodeById(row?.nodeId ?? "").url.replace(/\/$/, "")}/v1/probe`);
    expect(job).toMatchObject({
      checkId,
      target: { address: row?.address, port: row?.port },
      timeBudgetMs: PROBE_TIME_BUDGET_MS,
    });
    // The address the guard checked, never a name the node would resolve again.
    expect(job.target.address).toMatch(/^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]+)$/i);
  }
  expect(new Set(calls.map((call) => (call.body as { jobId: string }).jobId)).size).toBe(count);
  return calls;
}

describe("POST /api/v1/checks", () => {
  it("queues a host check: 202, Location, one message per vantage", async () => {
    const { response, body, messages } = await createCheck({ host: "127.0.0.1", port: 2525 });
    expect(response.status).toBe(202);
    const location = `/api/v1/checks/${body.id}`;
    expect(body).toEqual({ id: expect.any(String), status: "queued", location });
    expect(response.headers.get("location")).toBe(location);

    const rows = await vantageRows(body.id);
    expect(rows.map((row) => [row.nodeId, row.region, row.address, row.port, row.status])).toEqual([
      [FRA, "eu-central", "127.0.0.1", 2525, "pending"],
      [IAD, "us-east", "127.0.0.1", 2525, "pending"],
      [SIN, "ap-southeast", "127.0.0.1", 2525, "pending"],
    ]);
    expect(messages).toEqual(rows.map((row) => ({ checkId: body.id, vantageId: row.id })));

    const report = await getCheck(body.id);
    expect(report).toMatchObject({
      id: body.id,
      status: "queued",
      kind: "host",
      target: "127.0.0.1",
      port: 2525,
      domain: null,
      verdict: null,
      disagreement: null,
      finishedAt: null,
    });
    // Nothing is called before the queue consumer runs.
    expect(await standIn.calls(body.id)).toEqual([]);
  });

  it("returns the same check for a repeated Idempotency-Key and queues nothing new", async () => {
    const key = `idem-${crypto.randomUUID()}`;
    const first = await createCheck({ host: "127.0.0.1", port: 2525 }, { "Idempotency-Key": key });
    expect(first.response.status).toBe(202);
    expect(first.messages).toHaveLength(3);
    const checksBefore = await countRows("checks");

    const again = await createCheck({ host: "127.0.0.1", port: 2525 }, { "Idempotency-Key": key });
    expect(again.response.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.response.headers.get("location")).toBe(first.body.location);
    expect(again.messages).toEqual([]);
    expect(await countRows("checks")).toBe(checksBefore);
    expect(await vantageRows(first.body.id)).toHaveLength(3);

    const other = await createCheck(
      { host: "127.0.0.1", port: 2525 },
      { "Idempotency-Key": `${key}-2` },
    );
    expect(other.response.status).toBe(202);
    expect(other.body.id).not.toBe(first.body.id);

    // The same key for a different request is a client bug, not a retry.
    const different = await createCheck(
      { host: "127.0.0.1", port: 2526 },
      { "Idempotency-Key": key },
    );
    await expectApiError(different.response, 422, "idempotency_key_reused", /port 2525/);
    expect(different.messages).toEqual([]);
    const withProof = await createCheck(
      { host: "127.0.0.1", port: 2525, proof: true },
      { "Idempotency-Key": key },
    );
    await expectApiError(withProof.response, 422, "idempotency_key_reused", /different proof/);
    const fewerCases = await createCheck(
      { host: "127.0.0.1", port: 2525, cases: ["null-sender"] },
      { "Idempotency-Key": key },
    );
    await expectApiError(fewerCases.response, 422, "idempotency_key_reused", /different cases/);
    expect(await countRows("checks")).toBe(checksBefore + 1);
  });

  it("keeps one caller's Idempotency-Key apart from another's", async () => {
    const key = `shared-${crypto.randomUUID()}`;
    const anonymous = await createCheck(
      { host: "127.0.0.1", port: 2525 },
      { "Idempotency-Key": key },
    );
    expect(anonymous.response.status).toBe(202);
    const provider = await insertApiKey({ dailyQuota: 10 });
    const keyed = await createCheck(
      { host: "127.0.0.1", port: 2526 },
      { "Idempotency-Key": key, ...provider.authorization },
    );
    expect(keyed.response.status).toBe(202);
    expect(keyed.body.id).not.toBe(anonymous.body.id);
    const keyedAgain = await createCheck(
      { host: "127.0.0.1", port: 2526 },
      { "Idempotency-Key": key, ...provider.authorization },
    );
    expect(keyedAgain.response.status).toBe(200);
    expect(keyedAgain.body.id).toBe(keyed.body.id);
  });

  it("resolves a domain's MX hosts and fans out per address x vantage", async () => {
    const { response, body, messages } = await createCheck({ domain: "Open.Lab.Test" });
    expect(response.status).toBe(202);
    expect(messages).toHaveLength(9);

    const report = await getCheck(body.id);
    expect(report).toMatchObject({ kind: "domain", domain: "open.lab.test", port: 25 });
    expect(report.refusedAddresses).toEqual([]);
    expect(
      report.mxHosts.map((host) => ({
        host: host.host,
        preference: host.preference,
        addresses: host.addresses.map((address) => ({
          address: address.address,
          nodes: address.vantages.map((vantage) => vantage.node),
        })),
      })),
    ).toEqual([
      {
        host: "mx1.open.lab.test",
        preference: 10,
        addresses: [{ address: "127.0.0.1", nodes: NODE_IDS }],
      },
      {
        host: "mx2.open.lab.test",
        preference: 20,
        addresses: [
          { address: "127.0.0.2", nodes: NODE_IDS },
          { address: "::1", nodes: NODE_IDS },
        ],
      },
    ]);
    const rowIds = (await vantageRows(body.id)).map((row) => row.id);
    expect(messages.map((message) => message.vantageId).sort()).toEqual([...rowIds].sort());
  });

  it("falls back to the implicit MX of a domain with only an A record", async () => {
    const { response, body, messages } = await createCheck({ domain: "implicit.example" });
    expect(response.status).toBe(202);
    expect(messages).toHaveLength(3);
    const report = await getCheck(body.id);
    expect(report.mxHosts).toEqual([
      expect.objectContaining({
        host: "implicit.example",
        preference: null,
        addresses: [expect.objectContaining({ address: "127.0.0.3" })],
      }),
    ]);
  });

  it("lists refused MX addresses and probes only the others", async () => {
    const { response, body, messages } = await createCheck({ domain: "mixed.lab.test" });
    expect(response.status).toBe(202);
    expect(messages).toHaveLength(3);
    const report = await getCheck(body.id);
    expect(report.refusedAddresses).toEqual([
      {
        host: "internal.mixed.lab.test",
        address: "10.1.2.3",
        reason: expect.stringMatching(/^10\.1\.2\.3 is a private address/),
      },
    ]);
    expect(report.mxHosts.map((host) => host.host)).toEqual(["mx.mixed.lab.test"]);
    expect((await vantageRows(body.id)).map((row) => row.address)).toEqual(
      Array(3).fill("127.0.0.4"),
    );
  });

  it("resolves a host name to the address it probes", async () => {
    const { body } = await createCheck({ host: "MX.Host.Lab.Test", port: 2525 });
    const rows = await vantageRows(body.id);
    expect(rows.map((row) => [row.mxHost, row.mxPreference, row.address])).toEqual(
      Array(3).fill(["mx.host.lab.test", null, "127.0.0.5"]),
    );
  });

  it("answers 422 for a null MX and for a domain that does not exist, storing nothing", async () => {
    const before = await countRows("checks");
    await expectApiError(
      await callMain("/api/v1/checks", postJson({ domain: "nullmx.example" })),
      422,
      "null_mx",
      /^nullmx\.example publishes a null MX \(RFC 7505\)/,
    );
    await expectApiError(
      await callMain("/api/v1/checks", postJson({ domain: "nowhere.lab.test" })),
      422,
      "no_such_domain",
      "nowhere.lab.test does not exist in DNS",
    );
    expect(await countRows("checks")).toBe(before);
  });
});

describe("the probe-job queue consumer", () => {
  it("stores every vantage's answer and explains an open-from-one-region verdict", async () => {
    const { body, messages } = await loopbackCheck();
    await standIn.script(body.id, {
      [FRA]: { kind: "result", verdict: "open" },
      [IAD]: { kind: "result", verdict: "closed" },
      [SIN]: { kind: "result", verdict: "closed" },
    });

    const { ids, result } = await runQueue(messages);
    expect(result.retryMessages).toEqual([]);
    expect([...result.explicitAcks].sort()).toEqual([...ids].sort());

    const report = await getCheck(body.id);
    expect(report).toMatchObject({
      status: "done",
      verdict: "open",
      reason: expect.stringMatching(
        /^relayed for a foreign recipient as seen from eu-central \(127\.0\.0\.1 127\.0\.0\.1\): accepted mail for a foreign recipient: canary-sender/,
      ),
      finishedAt: expect.any(String),
    });
    expect(report.disagreement).toBe(
      "127.0.0.1 (127.0.0.1): open from eu-central only; closed from us-east, ap-southeast: a trusted-network rule?",
    );
    const vantages = reportVantages(report);
    expect(vantages.map((v) => [v.node, v.region, v.status, v.verdict])).toEqual([
      [FRA, "eu-central", "done", "open"],
      [IAD, "us-east", "done", "closed"],
      [SIN, "ap-southeast", "done", "closed"],
    ]);
    for (const vantage of vantages) {
      expect(vantage.cases.map((c) => c.id)).toEqual(RELAY_CASE_IDS);
      expect(vantage.banner).toBe("220 [127.0.0.1] ESMTP Postfix");
      expect(vantage.transcript).toHaveLength(RELAY_CASE_IDS.length * 4);
    }
    const accepted = vantages[0]?.cases.filter((c) => c.outcome === "accepted");
    expect(accepted).toEqual([
      expect.objectContaining({
        id: "canary-sender",
        recipientKind: "foreign",
        reply: { code: 250, enhanced: "2.1.5", text: "Ok" },
      }),
    ]);
    expect(vantages[1]?.reason).toBe(`refused all ${RELAY_CASE_IDS.length} relay attempts`);

    const calls = await expectWellFormedCalls(body.id, 3);
    expect(calls.map((call) => call.nodeId).sort()).toEqual([...NODE_IDS].sort());
    for (const call of calls) {
      expect(call.answered).toBe(200);
      expect(ProbeJob.parse(call.body)).toMatchObject({
        target: { address: "127.0.0.1", port: 2525, hostName: null, implicitTls: false },
        targetDomain: null,
        caseIds: null,
      });
    }
  });

  it("keeps the DATA step's decisions: refused at DATA, and accepted at RCPT, message refused", async () => {
    const { body, messages } = await loopbackCheck();
    await standIn.script(
      body.id,
      Object.fromEntries(
        NODE_IDS.map((id) => [id, { kind: "result", verdict: "refused-at-data" }]),
      ),
    );
    await runQueue(messages);
    const report = await getCheck(body.id);
    expect(report).toMatchObject({ status: "done", verdict: "closed" });
    for (const vantage of reportVantages(report)) {
      expect(vantage.verdict).toBe("closed");
      expect(vantage.reason).toContain("3 accepted at RCPT but refused at DATA");
      const atData = vantage.cases.filter((c) => c.outcome === "refused");
      expect(atData.map((c) => [c.id, c.step, c.reply?.code, c.data?.code])).toEqual([
        ["bare-sender", "data", 250, 554],
        ["canary-sender", "data", 250, 554],
        ["target-domain-sender", "data", 250, 554],
      ]);
      const sampled = vantage.cases.filter((c) => c.outcome === "message-refused");
      expect(sampled).toHaveLength(RELAY_CASE_IDS.length - 3);
      expect(sampled.every((c) => c.step === "data" && c.data === null)).toBe(true);
    }
  });

  it("probes every MX address of a domain with its name, and finds it closed everywhere", async () => {
    const { body, messages } = await createCheck({
      domain: "open.lab.test",
      cases: ["null-sender", "canary-sender"],
    });
    await standIn.script(
      body.id,
      Object.fromEntries(NODE_IDS.map((id) => [id, { kind: "result", verdict: "closed" }])),
    );
    await runQueue(messages);

    const report = await getCheck(body.id);
    expect(report).toMatchObject({
      status: "done",
      verdict: "closed",
      reason:
        "every address refused to relay from every vantage that tested it (eu-central, us-east, ap-southeast)",
      disagreement: null,
    });
    expect(reportVantages(report).every((v) => v.cases.length === 2)).toBe(true);

    const calls = await expectWellFormedCalls(body.id, 9);
    const targets = calls.map((call) => {
      const job = ProbeJob.parse(call.body);
      return `${job.target.hostName} ${job.target.address}:${job.target.port} ${job.targetDomain}`;
    });
    expect([...new Set(targets)].sort()).toEqual([
      "mx1.open.lab.test 127.0.0.1:25 open.lab.test",
      "mx2.open.lab.test 127.0.0.2:25 open.lab.test",
      "mx2.open.lab.test ::1:25 open.lab.test",
    ]);
    expect(
      calls.every(
        (call) => ProbeJob.parse(call.body).caseIds?.join() === "null-sender,canary-sender",
      ),
    ).toBe(true);
  });

  it("asks for implicit TLS on port 465, and on any port when the request says so", async () => {
    const implicitOf = async (request: object) => {
      const { body, messages } = await createCheck(request);
      await standIn.script(
        body.id,
        Object.fromEntries(NODE_IDS.map((id) => [id, { kind: "result", verdict: "closed" }])),
      );
      await runQueue(messages);
      const calls = await expectWellFormedCalls(body.id, 3);
      return [...new Set(calls.map((call) => ProbeJob.parse(call.body).target.implicitTls))];
    };
    expect(await implicitOf({ host: "127.0.0.1", port: 465 })).toEqual([true]);
    expect(await implicitOf({ host: "127.0.0.1", port: 2541, implicitTls: true })).toEqual([true]);
    expect(await implicitOf({ host: "127.0.0.1", port: 465, implicitTls: false })).toEqual([false]);
    expect(await implicitOf({ host: "127.0.0.1", port: 2542 })).toEqual([false]);
  });

  it("sends the guarded address, not the spelling the user typed", async () => {
    for (const host of ["0x7f.1", "::ffff:127.0.0.1", "[127.0.0.1]"]) {
      const { body, messages } = await createCheck({ host, port: 2525 });
      expect(messages).toHaveLength(3);
      await standIn.script(
        body.id,
        Object.fromEntries(NODE_IDS.map((id) => [id, { kind: "result", verdict: "closed" }])),
      );
      await runQueue(messages);
      const calls = await expectWellFormedCalls(body.id, 3);
      for (const call of calls) {
        expect(ProbeJob.parse(call.body).target).toMatchObject({ address: "127.0.0.1" });
      }
      expect((await getCheck(body.id)).status).toBe("done");
    }
  });

  /** A check whose ap-southeast node refuses its job as scripted, the others answering closed. */
  async function checkWithSinRefusing(refusal: { status: number; code: string; message: string }) {
    const { body, messages } = await loopbackCheck();
    await standIn.script(body.id, {
      [FRA]: { kind: "result", verdict: "closed" },
      [IAD]: { kind: "result", verdict: "closed" },
      [SIN]: { kind: "refuse", ...refusal },
    });
    const { result } = await runQueue(messages);
    expect(result.retryMessages).toEqual([]);
    return getCheck(body.id);
  }

  it("fails a vantage whose node refuses the job, with the node's code, and stores the rest", async () => {
    const report = await checkWithSinRefusing({
      status: 403,
      code: "port_not_allowed",
      message: "Port 2525 is not allowed on this node",
    });
    const vantages = reportVantages(report);
    expect(vantages.map((v) => [v.node, v.status, v.verdict, v.cases.length])).toEqual([
      [FRA, "done", "closed", RELAY_CASE_IDS.length],
      [IAD, "done", "closed", RELAY_CASE_IDS.length],
      [SIN, "failed", "inconclusive", 0],
    ]);
    expect(vantages[2]?.reason).toBe(
      "node node-sin (ap-southeast) refused the job: port_not_allowed: Port 2525 is not allowed on this node",
    );
    expect(vantages[2]?.transcript).toBeNull();
    // One vantage could not test: the verdict rests on the two that did, and names it.
    expect(report).toMatchObject({ status: "done", verdict: "closed" });
    expect(report.reason).toBe(
      "every address refused to relay from every vantage that tested it (eu-central, us-east); could not test: ap-southeast: node node-sin (ap-southeast) refused the job: port_not_allowed: Port 2525 is not allowed on this node",
    );
  });

  it("fails at once, never waiting for the deadline, a vantage whose node ran the job but lost its answer", async () => {
    // What a node answers a repeated job once it no longer holds the run's result.
    const report = await checkWithSinRefusing({
      status: 409,
      code: "job_replayed",
      message: "job already run by this node",
    });
    expect(report.status).toBe("done");
    const lost = reportVantages(report).find((v) => v.node === SIN);
    expect(lost).toMatchObject({ status: "failed", verdict: "inconclusive" });
    expect(lost?.reason).toBe(
      "node node-sin (ap-southeast) ran this job, but its answer was lost on the way back",
    );
  });

  it("fails vantages whose node answers outside the protocol", async () => {
    const { body, messages } = await loopbackCheck();
    await standIn.script(body.id, {
      [FRA]: { kind: "raw", status: 200, body: JSON.stringify({ node: { nodeId: FRA } }) },
      [IAD]: { kind: "raw", status: 502, body: "<html>Bad gateway</html>" },
      [SIN]: { kind: "result", verdict: "closed" },
    });
    await runQueue(messages);
    const vantages = reportVantages(await getCheck(body.id));
    expect(vantages.map((v) => [v.node, v.status, v.reason])).toEqual([
      [FRA, "failed", "node node-fra (eu-central) sent an answer that does not fit the protocol"],
      [IAD, "failed", "node node-iad (us-east) refused the job: HTTP 502"],
      [SIN, "done", `refused all ${RELAY_CASE_IDS.length} relay attempts`],
    ]);
  });

  it("signs with each node's own secret: a node with another secret refuses the job", async () => {
    const { body, messages } = await loopbackCheck();
    await standIn.script(
      body.id,
      Object.fromEntries(NODE_IDS.map((id) => [id, { kind: "result", verdict: "closed" }])),
    );
    // As `admin rotate-node-secret` leaves it until the node is given its new secret.
    const setSecret = async (secret: string) => {
      const secretWrapped = await wrapNodeSecret(NODE_SECRET_KEY, IAD, secret);
      await db.update(probeNodes).set({ secretWrapped }).where(eq(probeNodes.id, IAD));
    };
    await setSecret("not-the-secret-iad-knows-0123456789abcdef");
    try {
      await runQueue(messages);
    } finally {
      await setSecret(nodeById(IAD).secret);
    }

    const calls = await standIn.calls(body.id);
    expect(calls.map((call) => [call.nodeId, call.signatureProblem, call.answered])).toEqual(
      expect.arrayContaining([
        [FRA, null, 200],
        [IAD, "bad-signature", 401],
        [SIN, null, 200],
      ]),
    );
    const vantages = reportVantages(await getCheck(body.id));
    expect(vantages.find((v) => v.node === IAD)).toMatchObject({
      status: "failed",
      reason: "node node-iad (us-east) refused the job: unauthorized: bad-signature",
    });
  });

  it("fails the vantage of a node disabled after planning, without calling it", async () => {
    const { body, messages } = await loopbackCheck();
    await standIn.script(
      body.id,
      Object.fromEntries(NODE_IDS.map((id) => [id, { kind: "result", verdict: "closed" }])),
    );
    await db.update(probeNodes).set({ state: "disabled" }).where(eq(probeNodes.id, SIN));
    try {
      await runQueue(messages);
    } finally {
      await db.update(probeNodes).set({ state: "active" }).where(eq(probeNodes.id, SIN));
    }
    expect((await standIn.calls(body.id)).map((call) => call.nodeId).sort()).toEqual([FRA, IAD]);
    const vantages = reportVantages(await getCheck(body.id));
    expect(vantages.find((v) => v.node === SIN)).toMatchObject({
      status: "failed",
      verdict: "inconclusive",
      reason: "node node-sin (ap-southeast) was disabled",
    });
  });

  it("stores nothing from an answer that claims to come from another node", async () => {
    const { body, messages } = await loopbackCheck();
    await standIn.script(body.id, {
      [FRA]: { kind: "result", verdict: "closed" },
      [IAD]: { kind: "result-as", nodeId: FRA },
      [SIN]: { kind: "result", verdict: "closed" },
    });
    await runQueue(messages);

    const report = await getCheck(body.id);
    const vantages = reportVantages(report);
    expect(vantages.map((v) => [v.node, v.status, v.verdict, v.cases.length])).toEqual([
      [FRA, "done", "closed", RELAY_CASE_IDS.length],
      [IAD, "failed", "inconclusive", 0],
      [SIN, "done", "closed", RELAY_CASE_IDS.length],
    ]);
    expect(vantages[1]?.reason).toBe("node node-iad (us-east) answered as node node-fra");
    expect(vantages[1]?.transcript).toBeNull();
    // Not evidence, and not a reason for inconclusive either: closed from the other two.
    expect(report).toMatchObject({ status: "done", verdict: "closed" });
    expect(report.reason).toContain("could not test: us-east: node node-iad (us-east) answered as");
  });

  it("makes no second probe call when a message is delivered again", async () => {
    const { body, messages } = await loopbackCheck();
    await standIn.script(
      body.id,
      Object.fromEntries(NODE_IDS.map((id) => [id, { kind: "result", verdict: "closed" }])),
    );
    await runQueue(messages);
    const finished = await getCheck(body.id);
    const { ids, result } = await runQueue(messages);
    expect([...result.explicitAcks].sort()).toEqual([...ids].sort());
    expect(await standIn.calls(body.id)).toHaveLength(3);
    expect(await getCheck(body.id)).toEqual(finished);
  });

  it("acknowledges and drops a malformed message", async () => {
    const { ids, result } = await runQueue([{ checkId: 42 } as never, { vantageId: "x" } as never]);
    expect([...result.explicitAcks].sort()).toEqual([...ids].sort());
    expect(result.retryMessages).toEqual([]);
  });
});

describe("deadlines", () => {
  it("finishes a check on GET once its deadline passed, ignoring a node's late answer", async () => {
    const { body, messages } = await loopbackCheck();
    await standIn.script(body.id, {
      [FRA]: { kind: "result", verdict: "closed" },
      [IAD]: { kind: "result", verdict: "closed" },
      [SIN]: { kind: "hold" },
    });
    // The consumer waits on the silent node; the check must not wait with it past the deadline.
    const consumer = runQueue(messages);
    await standIn.waitForCalls(body.id, 3);
    await expect
      .poll(async () => (await vantageRows(body.id)).map((row) => row.status), { timeout: 5_000 })
      .toEqual(["done", "done", "pending"]);
    expect((await getCheck(body.id)).status).toBe("running");

    await expireDeadline(body.id);
    const report = await getCheck(body.id);
    // The silent node could not test; the two that answered decide.
    expect(report).toMatchObject({ status: "done", verdict: "closed" });
    expect(reportVantages(report).map((v) => [v.node, v.status, v.verdict, v.reason])).toEqual([
      [FRA, "done", "closed", `refused all ${RELAY_CASE_IDS.length} relay attempts`],
      [IAD, "done", "closed", `refused all ${RELAY_CASE_IDS.length} relay attempts`],
      [SIN, "failed", "inconclusive", "no answer from node-sin (ap-southeast) by the deadline"],
    ]);

    // The node answers after all, and "open" at that: the finished verdict must not change.
    expect(await standIn.release(body.id, SIN, { kind: "result", verdict: "open" })).toBe(true);
    const { ids, result } = await consumer;
    expect([...result.explicitAcks].sort()).toEqual([...ids].sort());
    expect(await getCheck(body.id)).toEqual(report);
  });

  it("has the sweeper finish overdue checks and leave the others alone", async () => {
    const overdue = await loopbackCheck();
    const current = await loopbackCheck();
    // The queue never delivered its jobs: past the deadline, they still wait, and then give up.
    await expireDeadline(overdue.body.id);

    await runScheduled();

    // Read from D1, not through GET, which would finish the check itself.
    const waiting = await findCheck(db, overdue.body.id);
    expect(waiting?.status).toBe("queued");
    expect(waiting?.deadlineAt).toBe((waiting?.createdAt ?? 0) + MAX_SLOT_WAIT_MS);
    expect((await vantageRows(overdue.body.id)).every((row) => row.status === "pending")).toBe(
      true,
    );

    await backdateCheck(overdue.body.id, MAX_SLOT_WAIT_MS + 1_000);
    await runScheduled();

    const swept = await findCheck(db, overdue.body.id);
    expect(swept).toMatchObject({
      status: "failed",
      verdict: "inconclusive",
      finishedAt: expect.any(Number),
    });
    expect((await vantageRows(overdue.body.id)).map((row) => [row.status, row.reason])).toEqual(
      NODE_IDS.map((id) => [
        "failed",
        `node ${id} (${nodeById(id).region}) was never asked: no free slot for 10 minutes`,
      ]),
    );
    expect((await findCheck(db, current.body.id))?.status).toBe("queued");
    expect((await vantageRows(current.body.id)).every((row) => row.status === "pending")).toBe(
      true,
    );
    expect(await standIn.calls(overdue.body.id)).toEqual([]);
  });
});
