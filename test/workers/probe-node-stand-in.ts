import { verifyBody } from "../../shared/auth/hmac.ts";
import { RELAY_CASES } from "../../shared/probe/cases.ts";
import { casesToProve } from "../../shared/probe/deliver.ts";
import { applyDataReplies } from "../../shared/probe/delivery-step.ts";
import { addressLiteral, expandCase } from "../../shared/probe/expand.ts";
import { domainOfHost } from "../../shared/probe/names.ts";
import { decideVerdict } from "../../shared/probe/verdict.ts";
import type {
  CaseResult,
  ConnectionSummary,
  ProbeResult,
  TranscriptLine,
} from "../../shared/schemas/probe-result.ts";
import { ProbeJob, ProbeResponse } from "../../shared/schemas/protocol.ts";
import {
  CANARY_DOMAIN,
  type NodeDownRequest,
  type RecordedCall,
  type ReleaseRequest,
  type ScriptedAnswer,
  type ScriptRequest,
  STAND_IN_CONTROL,
  type TestNode,
} from "./coordinator-env.ts";
import { createWebhookReceiver, WEBHOOK_CALLS_PATH } from "./webhook-receiver.ts";

/**
 * A stand-in for the probe nodes, for the coordinator tests in workerd. It runs in Node as
 * Miniflare's `outboundService`, so it answers every `fetch()` the coordinator makes: the probe
 * calls to the nodes' URLs, and the tests' own calls to STAND_IN_CONTROL, where they script the
 * answer of each node per check and read back the calls it received.
 *
 * Like a real node it checks the HMAC signature with the node's own secret (401 otherwise) and
 * parses the job with the protocol schema (400 otherwise) before answering. It opens no socket:
 * its answers are canned ProbeResponses built from the engine's own case catalogue, expansion
 * and verdict rules, so their shape is the real one. The real workerd node is exercised by the
 * end-to-end tests; this exists for behaviours such as refusals, silence and late answers.
 */

/** What the stand-in needs of a request: Miniflare's and the global Request both fit. */
interface IncomingRequest {
  url: string;
  method: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

type Held = (answer: ScriptedAnswer) => void;

export function createProbeNodeStandIn(
  nodes: readonly TestNode[],
): (request: IncomingRequest) => Promise<Response> {
  const scripts = new Map<string, Record<string, ScriptedAnswer>>();
  const callsByCheck = new Map<string, RecordedCall[]>();
  const held = new Map<string, Held>();
  /** Nodes the tests stopped: their health checks and probe calls answer 503. */
  const down = new Set<string>();
  const controlOrigin = new URL(STAND_IN_CONTROL).origin;
  // Webhook receivers live here too: this is where every outbound fetch of the tests lands.
  const webhooks = createWebhookReceiver();

  async function control(request: IncomingRequest, url: URL): Promise<Response> {
    if (request.method === "POST" && url.pathname === "/script") {
      const script = JSON.parse(await request.text()) as ScriptRequest;
      scripts.set(script.checkId, script.answers);
      return json(200, { scripted: Object.keys(script.answers) });
    }
    if (request.method === "POST" && url.pathname === "/release") {
      const release = JSON.parse(await request.text()) as ReleaseRequest;
      const key = `${release.checkId}/${release.nodeId}`;
      const resolve = held.get(key);
      held.delete(key);
      resolve?.(release.answer);
      return json(resolve ? 200 : 404, { released: resolve !== undefined });
    }
    if (request.method === "POST" && url.pathname === "/down") {
      const { nodeId, isDown } = JSON.parse(await request.text()) as NodeDownRequest;
      if (isDown) down.add(nodeId);
      else down.delete(nodeId);
      return json(200, { down: [...down] });
    }
    if (request.method === "GET" && url.pathname === "/calls") {
      return json(200, callsByCheck.get(url.searchParams.get("checkId") ?? "") ?? []);
    }
    return json(404, { code: "not_found", message: `stand-in control: ${url.pathname}` });
  }

  async function probe(request: IncomingRequest, url: URL): Promise<Response> {
    const node = nodes.find((candidate) => new URL(candidate.url).host === url.host) ?? null;
    const text = await request.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Recorded as null; the job check below reports it.
    }
    const parsedJob = ProbeJob.safeParse(body);
    const call: RecordedCall = {
      nodeId: node?.id ?? null,
      method: request.method,
      url: request.url,
      contentType: request.headers.get("content-type"),
      signatureProblem: node ? await verifyBody(node.secret, text, request.headers) : "no node",
      jobProblems: parsedJob.success
        ? []
        : parsedJob.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
      body,
      answered: "held",
    };
    const checkId =
      typeof body === "object" && body !== null && "checkId" in body ? String(body.checkId) : "";
    callsByCheck.set(checkId, [...(callsByCheck.get(checkId) ?? []), call]);
    const respond = (response: Response) => {
      call.answered = response.status;
      return response;
    };

    if (node && request.method === "GET" && url.pathname === "/v1/health") {
      if (down.has(node.id)) return respond(json(503, { code: "down", message: "stopped" }));
      if (call.signatureProblem !== null) {
        return respond(json(401, { code: "unauthorized", message: call.signatureProblem }));
      }
      return respond(
        json(200, { node: identityOf(node), location: { kind: "site", name: node.site } }),
      );
    }
    if (node && down.has(node.id)) {
      // As a stopped node behind its reverse proxy.
      return respond(json(503, { code: "down", message: "stopped" }));
    }
    if (!node || request.method !== "POST" || url.pathname !== "/v1/probe") {
      return respond(json(404, { code: "not_found", message: `no route for ${request.url}` }));
    }
    if (call.signatureProblem !== null) {
      return respond(json(401, { code: "unauthorized", message: call.signatureProblem }));
    }
    if (!parsedJob.success) {
      return respond(json(400, { code: "invalid_job", message: call.jobProblems.join("; ") }));
    }
    const job = parsedJob.data;
    let answer = scripts.get(job.checkId)?.[node.id] ?? {
      kind: "refuse",
      status: 500,
      code: "unscripted",
      message: `the test scripted no answer for ${node.id}`,
    };
    if (answer.kind === "hold") {
      answer = await new Promise<ScriptedAnswer>((resolve) => {
        held.set(`${job.checkId}/${node.id}`, resolve);
      });
    }
    return respond(answerWith(answer, node, nodes, job));
  }

  return async (request) => {
    const url = new URL(request.url);
    if (webhooks.handles(url)) return webhooks.receive(request, url);
    if (url.origin === controlOrigin && url.pathname === WEBHOOK_CALLS_PATH) {
      return webhooks.calls(url);
    }
    return url.origin === controlOrigin ? control(request, url) : probe(request, url);
  };
}

function answerWith(
  answer: ScriptedAnswer,
  node: TestNode,
  nodes: readonly TestNode[],
  job: ProbeJob,
): Response {
  switch (answer.kind) {
    case "refuse":
      return json(answer.status, { code: answer.code, message: answer.message });
    case "result": {
      const response = probeResponse(node, job, answer.verdict, answer.replyText);
      if (answer.location) response.location = answer.location;
      if (answer.tls) response.result.tls = answer.tls;
      return json(
        200,
        response,
        answer.placement ? { "cf-placement": answer.placement } : undefined,
      );
    }
    case "tls-not-testable":
      return json(200, probeResponse(node, job, "tls-not-testable"));
    case "result-as": {
      const other = nodes.find((candidate) => candidate.id === answer.nodeId) ?? node;
      return json(200, probeResponse(other, job, "closed"));
    }
    case "raw":
      return new Response(answer.body, { status: answer.status });
    case "hold":
      return json(500, { code: "stand_in", message: "released with another hold" });
  }
}

const REFUSED = { code: 554, enhanced: "5.7.1", text: "Relay access denied" } as const;
const ACCEPTED = { code: 250, enhanced: "2.1.5", text: "Ok" } as const;
const QUEUED = { code: 250, enhanced: "2.0.0", text: "Ok: queued as 4XyZ" } as const;
const TLS_REQUIRED = {
  code: 530,
  enhanced: "5.7.0",
  text: "Must issue a STARTTLS command first",
} as const;
const MESSAGE_REFUSED = { code: 554, enhanced: "5.7.1", text: "Message refused" } as const;
const CASES_PER_CONNECTION = 5;

/**
 * The answer a node gives after a run in which the server refused every case, or accepted the
 * canary-sender case (a plainly foreign recipient), or accepted every RCPT and refused every
 * message at DATA (`refused-at-data`, decided by the engine's own DATA-step rules). Verdict and
 * reason come from the engine's own `decideVerdict`; the function throws if that disagrees with
 * what was asked for.
 */
export function probeResponse(
  node: TestNode,
  job: ProbeJob,
  scripted: "open" | "suspect" | "closed" | "tls-not-testable" | "refused-at-data",
  replyText?: string,
): ProbeResponse {
  const verdict = scripted === "refused-at-data" ? "closed" : scripted;
  const { address, port, hostName, implicitTls } = job.target;
  const host = hostName ?? `[${addressLiteral(address)}]`;
  const names = {
    address,
    host,
    targetDomain: job.targetDomain ?? domainOfHost(host),
    canaryDomain: CANARY_DOMAIN,
    randomLabel: "k3x9q2mz",
    nonce: job.tokenNonce ?? job.jobId.slice(0, 8).toLowerCase(),
  };
  const catalogue = job.caseIds
    ? RELAY_CASES.filter((relayCase) => job.caseIds?.includes(relayCase.id))
    : RELAY_CASES;
  const started = Date.parse("2026-07-01T10:00:00.000Z");
  const at = (ms: number) => new Date(started + ms).toISOString();
  const transcript: TranscriptLine[] = [];
  const connections: ConnectionSummary[] = [];
  // Suspect: a catch-all that takes the first routing trick addressed to its own names.
  const firstRouting = catalogue.find((relayCase) => relayCase.recipientKind === "routing");
  const cases = catalogue.map((relayCase, index): CaseResult => {
    const expanded = expandCase(relayCase, index, names);
    const conn = Math.floor(index / CASES_PER_CONNECTION) + 1;
    const accepted =
      scripted === "refused-at-data" ||
      (verdict === "open" && relayCase.id === "canary-sender") ||
      (verdict === "suspect" && relayCase === firstRouting);
    const reply = accepted ? ACCEPTED : { ...REFUSED, text: replyText ?? REFUSED.text };
    const takesMessage = accepted && job.proof !== null && scripted !== "refused-at-data";
    if (verdict === "tls-not-testable") {
      // Every case refused with 530 for want of TLS, as a STARTTLS-only server answers.
      return {
        ...expanded,
        outcome: "error" as const,
        data: null,
        step: "starttls" as const,
        reply: { ...TLS_REQUIRED },
        note: "the server requires TLS",
        conn,
        attempts: 1,
      };
    }
    transcript.push(
      { at: at(index * 100), conn, dir: "client", line: `MAIL FROM:${expanded.mailFrom}` },
      { at: at(index * 100 + 10), conn, dir: "server", line: "250 2.1.0 Ok" },
      { at: at(index * 100 + 20), conn, dir: "client", line: `RCPT TO:${expanded.rcptTo}` },
      {
        at: at(index * 100 + 30),
        conn,
        dir: "server",
        line: `${reply.code} ${reply.enhanced} ${reply.text}`,
      },
    );
    return {
      ...expanded,
      outcome: accepted ? "accepted" : "refused",
      // With the DATA step on, a node sends the canary message through an accepted case,
      // and the message taken decides it.
      data: takesMessage ? { ...QUEUED } : null,
      step: takesMessage ? "data" : "rcpt",
      reply: { ...reply },
      note: null,
      conn,
      attempts: 1,
    };
  });
  for (let conn = 1; conn <= Math.ceil(cases.length / CASES_PER_CONNECTION); conn += 1) {
    connections.push({
      conn,
      startedAt: at((conn - 1) * 500),
      endedAt: at(conn * 500),
      cases: cases.filter((c) => c.conn === conn).map((c) => c.id),
      tls: false,
      pipelined: true,
      ending: "quit",
    });
  }
  if (scripted === "refused-at-data" && job.proof) {
    const results = new Map(cases.map((c) => [c.id, c]));
    const sampled = casesToProve(cases, job.proof.maxMessages);
    applyDataReplies(
      results,
      new Map(
        sampled.map((c) => [c.id, { stage: "data" as const, reply: { ...MESSAGE_REFUSED } }]),
      ),
    );
    cases.splice(0, cases.length, ...results.values());
  }
  const dataStep = !cases.some((c) => c.outcome !== "refused")
    ? "not-needed"
    : job.proof
      ? "sent"
      : "off";
  const decided = decideVerdict({ cases, blockedBeforeTesting: null, dataStep });
  const expected = verdict === "tls-not-testable" ? "inconclusive" : verdict;
  if (decided.verdict !== expected) {
    throw new Error(`stand-in cases decide ${decided.verdict}, not the scripted ${verdict}`);
  }
  const notTestableHere =
    verdict === "tls-not-testable"
      ? "TLS not testable from this vantage (certificate not accepted by a runtime that verifies every certificate: TLS handshake failed)"
      : null;
  const durationMs = cases.length * 100 + 0.4;
  const result: ProbeResult = {
    target: { host, port, address, implicitTls },
    names: { host, targetDomain: names.targetDomain, canaryDomain: names.canaryDomain },
    verdict: decided.verdict,
    reason: notTestableHere ?? decided.reason,
    notTestableHere,
    dataStep,
    startedAt: at(0),
    finishedAt: at(durationMs),
    durationMs,
    banner: { code: 220, enhanced: null, text: replyText ?? `${host} ESMTP Postfix` },
    extensions: ["PIPELINING", "SIZE 10240000", "8BITMIME"],
    tls: null,
    cases,
    connections,
    transcript,
  };
  // Parsed with the protocol schema both sides use, so a drift fails here and not in a test.
  return ProbeResponse.parse({
    node: identityOf(node),
    location: { kind: "site", name: node.site },
    result,
  });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The node's identity as a real node would serve it. */
function identityOf(node: TestNode) {
  return {
    nodeId: node.id,
    region: node.region,
    network: node.network,
    runtime: node.runtime ?? "workerd",
    allowedPorts: node.ports,
    loopbackAllowed: true,
    ehloName: `probe-${node.region}.relaywatch.dev`,
    maxConcurrentJobs: 4,
  };
}
