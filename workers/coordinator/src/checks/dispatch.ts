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
  type RunLocation,
} from "../../../../shared/schemas/protocol.ts";
import { usesImplicitTls } from "../../../../shared/smtp/ports.ts";
import { readCapped } from "../../../../shared/streams/read-capped.ts";
import { onCheckFinished } from "../batches/on-check-finished.ts";
import {
  type Database,
  extendCheckDeadline,
  failVantage,
  findCheck,
  findVantage,
  finishCheckIfComplete,
  markVantageAsked,
  recordVantageProgress,
  saveVantageResult,
  type VantageProgress,
} from "../db/repository.ts";
import type { CheckRow, ProbeNodeRow, VantageRow } from "../db/schema.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { NodeUnavailable, placementColo, signedNodeRequest } from "../nodes/call.ts";
import { acquireLease, MAX_SLOT_WAIT_MS, noSlotReason, releaseLease } from "../nodes/leases.ts";
import { findNode, markUnreachable, nodeSecret } from "../nodes/registry.ts";
import { jobProofFor } from "../proof/job-proof.ts";
import { decideCheck } from "./decide.ts";
import type { ProbeMessage } from "./messages.ts";
import { planCapableVantage } from "./replan.ts";

type NodeOutcome =
  | { kind: "answer"; response: ProbeResponse; location: RunLocation }
  | { kind: "failure"; reason: string; unreachable: boolean };

/** Read with a cap: a node's answer is bounded by the node, and a larger one is not an answer. */
const MAX_READ_ANSWER_BYTES = MAX_ANSWER_BYTES + 64 * 1024;

type ProgressLine = Exclude<ProbeStreamLine, { type: "answer" | "error" }>;

/**
 * One signed call to a node, bounded by the probe's budget plus a margin; never throws. It asks
 * for a streamed answer, whose progress lines go to `onProgress` as they come.
 */
async function callNode(
  node: ProbeNodeRow,
  env: CoordinatorEnv,
  secret: string,
  job: ProbeJob,
  timeBudgetMs: number,
  onProgress: (line: ProgressLine) => Promise<void>,
): Promise<NodeOutcome> {
  try {
    const response = await signedNodeRequest(node, env, secret, "/v1/probe", {
      method: "POST",
      body: JSON.stringify(job),
      timeoutMs: timeBudgetMs + PROBE_CALL_MARGIN_MS,
      accept: `${PROBE_STREAM_TYPE}, application/json`,
    });
    if (!response.ok) {
      const refusal = await readRefusal(response);
      // A node answers a repeated job with its one run's result while it holds it; this refusal
      // means the run happened and its answer is gone. Probing again is never an option.
      if (refusal?.code === "job_replayed") {
        return {
          kind: "failure",
          reason: "ran this job, but its answer was lost on the way back",
          unreachable: false,
        };
      }
      const why = refusal ? `${refusal.code}: ${refusal.message}` : `HTTP ${response.status}`;
      return { kind: "failure", reason: `refused the job: ${why}`, unreachable: false };
    }
    if ((response.headers.get("content-type") ?? "").startsWith(PROBE_STREAM_TYPE))
      return await readStreamedAnswer(response, onProgress);
    const bytes = await readCapped(response.body, MAX_READ_ANSWER_BYTES);
    if (bytes === null) {
      return {
        kind: "failure",
        reason: `sent an answer over ${MAX_READ_ANSWER_BYTES} bytes`,
        unreachable: false,
      };
    }
    const parsed = ProbeResponse.safeParse(parseJsonOrNull(bytes));
    if (!parsed.success) {
      return {
        kind: "failure",
        reason: "sent an answer that does not fit the protocol",
        unreachable: false,
      };
    }
    return answerOutcome(response, parsed.data);
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    const why = timedOut
      ? "did not answer in time"
      : error instanceof NodeUnavailable
        ? "is not bound"
        : "could not be reached";
    return {
      kind: "failure",
      reason: `${why} (${error instanceof Error ? error.message : String(error)})`,
      unreachable: !timedOut,
    };
  }
}

/** A node's answer, bounded, with where it really ran. */
function answerOutcome(response: Response, answer: ProbeResponse): NodeOutcome {
  // Placement may run the Worker elsewhere than the colo that took the request: the header
  // Cloudflare adds to the answer is the better witness of where it ran.
  const colo = placementColo(response.headers);
  const location: RunLocation = colo ? { kind: "colo", name: colo } : answer.location;
  return { kind: "answer", response: { ...answer, result: boundResult(answer.result) }, location };
}

async function readStreamedAnswer(
  response: Response,
  onProgress: (line: ProgressLine) => Promise<void>,
): Promise<NodeOutcome> {
  const notProtocol: NodeOutcome = {
    kind: "failure",
    reason: "sent an answer that does not fit the protocol",
    unreachable: false,
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
    if (line.data.type === "answer") return answerOutcome(response, line.data.response);
    if (line.data.type === "error") {
      const { code, message } = line.data.error;
      return { kind: "failure", reason: `failed the job: ${code}: ${message}`, unreachable: false };
    }
    await onProgress(line.data);
  }
  return { kind: "failure", reason: "ended its answer before the result", unreachable: false };
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
  location: RunLocation,
): Promise<void> {
  try {
    await saveVantageResult(db, vantageId, response, Date.now(), bucket, location);
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

/** Seconds a job waiting for a free slot on its node stays in the queue before it tries again. */
export const SLOT_WAIT_SECONDS = 2;

/** What became of a job: run (or nothing left to do), or waiting for a free slot on its node. */
export type JobOutcome = "done" | "wait";

/**
 * Runs one (address x vantage) job: a signed call to the node, bounded by the probe's time
 * budget plus a margin, and whatever comes back (a result, a refusal, silence) is stored. The
 * job runs only while it holds one of its node's slots; without one it answers "wait" and the
 * consumer puts it back on the queue. The check is finished by whichever job completes it.
 */
export async function runVantageJob(
  db: Database,
  env: CoordinatorEnv,
  config: CoordinatorConfig,
  message: ProbeMessage,
): Promise<JobOutcome> {
  const [check, vantage] = await Promise.all([
    findCheck(db, message.checkId),
    findVantage(db, message.vantageId),
  ]);
  if (!check || !vantage || vantage.status !== "pending") return "done";
  const node = await findNode(db, vantage.nodeId);
  const nodeName = `${vantage.nodeId} (${vantage.region})`;
  const callLimitMs = config.probeTimeBudgetMs + PROBE_CALL_MARGIN_MS;
  if (node?.state !== "active") {
    const why = node ? "was disabled" : "is no longer in the registry";
    await failVantage(db, vantage.id, `node ${nodeName} ${why}`, Date.now());
  } else if (!(await acquireLease(db, node, vantage.id, Date.now(), callLimitMs))) {
    const waited = Date.now() - check.createdAt;
    if (waited < MAX_SLOT_WAIT_MS) {
      // Waiting is not silence: the check stays open while its job waits for a slot.
      await extendCheckDeadline(db, check.id, Date.now() + SLOT_WAIT_SECONDS * 1000 + callLimitMs);
      return "wait";
    }
    await failVantage(db, vantage.id, noSlotReason(vantage, waited), Date.now());
  } else {
    try {
      // From here its node can be silent; a job that waited for its slot gets its whole budget.
      const now = Date.now();
      await markVantageAsked(db, vantage, now, now + callLimitMs);
      await runOnNode(db, config, env, check, vantage, node, nodeName);
    } finally {
      await releaseLease(db, vantage.id);
    }
  }
  const finished = await finishCheckIfComplete(
    db,
    check.id,
    Date.now(),
    decideCheck,
    config.proofWindowMs,
  );
  if (finished) await onCheckFinished(env, finished);
  return "done";
}

async function runOnNode(
  db: Database,
  config: CoordinatorConfig,
  env: CoordinatorEnv,
  check: CheckRow,
  vantage: VantageRow,
  node: ProbeNodeRow,
  nodeName: string,
): Promise<void> {
  const job: ProbeJob = {
    checkId: check.id,
    jobId: vantage.id,
    target: {
      address: vantage.address,
      port: vantage.port,
      hostName: isHostName(vantage.mxHost) ? vantage.mxHost : null,
      implicitTls: usesImplicitTls(vantage.port, check.mx?.implicitTls),
    },
    targetDomain: check.kind === "domain" ? check.target.replace(/\.$/, "") : null,
    caseIds: check.mx?.caseIds ?? null,
    timeBudgetMs: config.probeTimeBudgetMs,
    ...(vantage.tokenNonce ? { tokenNonce: vantage.tokenNonce } : {}),
    proof: await jobProofFor(db, check, vantage, config),
  };
  const secret = await nodeSecret(config, node);
  const outcome = await callNode(
    node,
    env,
    secret,
    job,
    config.probeTimeBudgetMs,
    progressRecorder(db, vantage.id),
  );
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
      await planCapableVantage(db, config, env.PROBE_QUEUE, check, vantage);
    }
    await saveOrGiveUp(db, env.EVIDENCE, vantage.id, nodeName, outcome.response, outcome.location);
  } else {
    if (outcome.unreachable) await markUnreachable(db, node.id, outcome.reason, Date.now());
    await failVantage(db, vantage.id, `node ${nodeName} ${outcome.reason}`, Date.now());
  }
}
