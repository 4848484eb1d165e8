import { signBody } from "../../../../shared/auth/hmac.ts";
import { boundResult, boundText } from "../../../../shared/probe/bound-result.ts";
import { isHostName } from "../../../../shared/probe/names.ts";
import {
  ApiError,
  MAX_ANSWER_BYTES,
  MAX_PLANNED_CASES,
  PROBE_STREAM_TYPE,
  type ProbeJob,
  ProbeResponse,
  ProbeStreamLine,
  type VantageNode,
} from "../../../../shared/schemas/protocol.ts";
import { readCapped } from "../../../../shared/streams/read-capped.ts";
import { onCheckFinished } from "../batches/on-check-finished.ts";
import {
  type Database,
  failVantage,
  findCheck,
  findVantage,
  finishCheckIfComplete,
  recordVantageProgress,
  saveVantageResult,
  type VantageProgress,
} from "../db/repository.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { jobProofFor } from "../proof/job-proof.ts";
import { proofWindowMs } from "../proof/policy.ts";
import { decideCheck } from "./decide.ts";
import type { ProbeMessage } from "./messages.ts";
import { planCapableVantage } from "./replan.ts";

interface ServiceBinding {
  fetch: typeof fetch;
}

function isServiceBinding(value: unknown): value is ServiceBinding {
  return typeof (value as ServiceBinding | undefined)?.fetch === "function";
}

/** Where a node's probe endpoint is: a service binding when it has one, else its URL. */
function nodeEndpoint(node: VantageNode, bindings: Record<string, unknown>) {
  if (node.binding) {
    const binding = bindings[node.binding];
    if (!isServiceBinding(binding))
      throw new NodeUnavailable(`binding ${node.binding} is not bound`);
    return { call: binding.fetch.bind(binding), url: "https://probe-node/v1/probe" };
  }
  return { call: fetch, url: `${(node.url ?? "").replace(/\/$/, "")}/v1/probe` };
}

class NodeUnavailable extends Error {}

type NodeOutcome =
  | { kind: "answer"; response: ProbeResponse }
  | { kind: "replayed" }
  | { kind: "failure"; reason: string };

/** Read with a cap: a node's answer is bounded by the node, and a larger one is not an answer. */
const MAX_READ_ANSWER_BYTES = MAX_ANSWER_BYTES + 64 * 1024;

/** One signed call to a node, bounded by the probe's budget plus a margin; never throws. */

type ProgressLine = Exclude<ProbeStreamLine, { type: "answer" | "error" }>;

/**
 * One signed call to a node, bounded by the probe's budget plus a margin; never throws. It asks
 * for a streamed answer, whose progress lines go to `onProgress` as they come.
 */
async function callNode(
  node: VantageNode,
  bindings: Record<string, unknown>,
  secret: string,
  job: ProbeJob,
  timeBudgetMs: number,
  onProgress: (line: ProgressLine) => Promise<void>,
): Promise<NodeOutcome> {
  const body = JSON.stringify(job);
  try {
    const { call, url } = nodeEndpoint(node, bindings);
    const response = await call(url, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        accept: `${PROBE_STREAM_TYPE}, application/json`,
        ...(await signBody(secret, body)),
      },
      signal: AbortSignal.timeout(timeBudgetMs + PROBE_CALL_MARGIN_MS),
    });
    if (!response.ok) {
      const refusal = await readRefusal(response);
      // This job is already running (a queue message delivered twice): that run will answer.
      if (refusal?.code === "job_replayed") return { kind: "replayed" };
      const why = refusal ? `${refusal.code}: ${refusal.message}` : `HTTP ${response.status}`;
      return { kind: "failure", reason: `refused the job: ${why}` };
    }
    if ((response.headers.get("content-type") ?? "").startsWith(PROBE_STREAM_TYPE))
      return await readStreamedAnswer(response, onProgress);
    const bytes = await readCapped(response.body, MAX_READ_ANSWER_BYTES);
    if (bytes === null) {
      return { kind: "failure", reason: `sent an answer over ${MAX_READ_ANSWER_BYTES} bytes` };
    }
    const parsed = ProbeResponse.safeParse(parseJsonOrNull(bytes));
    return parsed.success
      ? { kind: "answer", response: { ...parsed.data, result: boundResult(parsed.data.result) } }
      : { kind: "failure", reason: "sent an answer that does not fit the protocol" };
  } catch (error) {
    const why =
      error instanceof Error && error.name === "TimeoutError"
        ? "did not answer in time"
        : error instanceof NodeUnavailable
          ? "is not bound"
          : "could not be reached";
    return {
      kind: "failure",
      reason: `${why} (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

/**
 * Stores an answer; one that cannot be stored (too large for a row, refused by D1) becomes an
 * inconclusive vantage with the reason. Never a retry: the queue would call the node again, and
 * the node would probe the target again.
 */
async function saveOrGiveUp(
  db: Database,
  bucket: R2Bucket,
  vantageId: string,
  nodeName: string,
  response: ProbeResponse,
): Promise<void> {
  try {
    await saveVantageResult(db, vantageId, response, Date.now(), bucket);
  } catch (error) {
    const why = boundText(error instanceof Error ? error.message : String(error), 200);
    console.error(`answer of node ${nodeName} for vantage ${vantageId} could not be stored`, why);
    await failVantage(
      db,
      vantageId,
      `node ${nodeName} answered, but its answer could not be stored (${why})`,
      Date.now(),
    );
  }
}

async function readStreamedAnswer(
  response: Response,
  onProgress: (line: ProgressLine) => Promise<void>,
): Promise<NodeOutcome> {
  const notProtocol: NodeOutcome = {
    kind: "failure",
    reason: "sent an answer that does not fit the protocol",
  };
  for await (const text of ndjsonLines(response.body, MAX_READ_ANSWER_BYTES)) {
    if (text === null) return notProtocol;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return notProtocol;
    }
    const line = ProbeStreamLine.safeParse(json);
    if (!line.success) return notProtocol;
    if (line.data.type === "answer") {
      const { response: answer } = line.data;
      return { kind: "answer", response: { ...answer, result: boundResult(answer.result) } };
    }
    if (line.data.type === "error") {
      const { code, message } = line.data.error;
      return { kind: "failure", reason: `failed the job: ${code}: ${message}` };
    }
    await onProgress(line.data);
  }
  return { kind: "failure", reason: "ended its answer before the result" };
}

/** The lines of a byte stream; null (then the end) when one passes `limitBytes`. */
async function* ndjsonLines(
  stream: ReadableStream<Uint8Array> | null,
  limitBytes: number,
): AsyncGenerator<string | null> {
  if (!stream) return;
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    let end = buffered.indexOf("\n");
    while (end >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line.trim() !== "") yield line;
      end = buffered.indexOf("\n");
    }
    if (buffered.length > limitBytes) {
      yield null;
      return;
    }
  }
  if (buffered.trim() !== "") yield buffered;
}

/** Progress is written at most this often: a page polls every 2 s, D1 need not hear each case. */
const PROGRESS_WRITE_INTERVAL_MS = 1_000;

/** Collects a vantage's progress lines and writes them to D1, throttled. */
function progressRecorder(db: Database, vantageId: string) {
  const progress: VantageProgress = {
    startedAt: Date.now(),
    updatedAt: Date.now(),
    cases: null,
    answered: [],
  };
  let lastWrite = 0;
  return async (line: ProgressLine) => {
    if (line.type === "plan") progress.cases = line.cases;
    // No suite has more cases than a plan may announce; a node that sends more is ignored.
    else if (progress.answered.length < MAX_PLANNED_CASES)
      progress.answered.push({ id: line.id, outcome: line.outcome });
    const now = Date.now();
    if (line.type !== "plan" && now - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
    lastWrite = now;
    progress.updatedAt = now;
    // Progress is for the page only: a failed write must not cost the probe's answer.
    await recordVantageProgress(db, vantageId, progress).catch((error: unknown) =>
      console.error(`progress of vantage ${vantageId} not stored`, error),
    );
  };
}

/** Beyond the node's own time budget: network, queueing and the node's margin. */
export const PROBE_CALL_MARGIN_MS = 15_000;

/** A node's `{code, message}` refusal, read with a small cap; null when it sent none. */
async function readRefusal(response: Response): Promise<ApiError | null> {
  const bytes = await readCapped(response.body, MAX_REFUSAL_BYTES).catch(() => null);
  const body = ApiError.safeParse(bytes === null ? null : parseJsonOrNull(bytes));
  if (!body.success) return null;
  return { code: boundText(body.data.code, 64), message: boundText(body.data.message) };
}

const MAX_REFUSAL_BYTES = 16 * 1024;

function parseJsonOrNull(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/**
 * Runs one (address x vantage) job: a signed call to the node, bounded by the probe's time
 * budget plus a margin, and whatever comes back (a result, a refusal, silence) is stored. The
 * check is finished by whichever job completes it.
 */
export async function runVantageJob(
  db: Database,
  config: CoordinatorConfig,
  message: ProbeMessage,
  bindings: Record<string, unknown> = {},
): Promise<void> {
  const [check, vantage] = await Promise.all([
    findCheck(db, message.checkId),
    findVantage(db, message.vantageId),
  ]);
  if (!check || !vantage || vantage.status !== "pending") return;
  const node = config.nodes.find((candidate) => candidate.id === vantage.nodeId);
  const secret = config.secrets[vantage.nodeId];
  const nodeName = `${vantage.nodeId} (${vantage.region})`;
  // The queue consumer passes the Worker's env as `bindings`.
  const env = bindings as unknown as CoordinatorEnv;
  if (!node || !secret) {
    await failVantage(db, vantage.id, `node ${nodeName} is no longer configured`, Date.now());
  } else {
    const job: ProbeJob = {
      checkId: check.id,
      jobId: vantage.id,
      target: {
        address: vantage.address,
        port: vantage.port,
        hostName: isHostName(vantage.mxHost) ? vantage.mxHost : null,
        implicitTls: check.mx?.implicitTls ?? vantage.port === 465,
      },
      targetDomain: check.kind === "domain" ? check.target.replace(/\.$/, "") : null,
      caseIds: check.mx?.caseIds ?? null,
      timeBudgetMs: config.probeTimeBudgetMs,
      ...(vantage.tokenNonce ? { tokenNonce: vantage.tokenNonce } : {}),
      proof: await jobProofFor(db, check, vantage, env),
    };
    const outcome = await callNode(
      node,
      bindings,
      secret,
      job,
      config.probeTimeBudgetMs,
      progressRecorder(db, vantage.id),
    );
    if (outcome.kind === "replayed") return;
    if (outcome.kind === "answer" && outcome.response.node.nodeId !== node.id) {
      await failVantage(
        db,
        vantage.id,
        `node ${nodeName} answered as node ${outcome.response.node.nodeId}`,
        Date.now(),
      );
    } else if (outcome.kind === "answer") {
      // Planned before this answer is stored, so the check cannot finish in between.
      if (outcome.response.result.notTestableHere) {
        await planCapableVantage(db, config, env.PROBE_QUEUE, vantage);
      }
      await saveOrGiveUp(db, env.EVIDENCE, vantage.id, nodeName, outcome.response);
    } else {
      await failVantage(db, vantage.id, `node ${nodeName} ${outcome.reason}`, Date.now());
    }
  }
  const finished = await finishCheckIfComplete(
    db,
    check.id,
    Date.now(),
    decideCheck,
    proofWindowMs(env),
  );
  if (finished) await onCheckFinished(env, finished);
}
