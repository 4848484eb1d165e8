import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { verifyBody } from "../../shared/auth/hmac.ts";
import type { ProbeHooks } from "../../shared/probe/runner.ts";
import { runProbe } from "../../shared/probe/runner.ts";
import type { ProbeResult } from "../../shared/schemas/probe-result.ts";
import {
  MAX_ANSWER_BYTES,
  NodeHealth,
  type NodeIdentity,
  type NodeRuntime,
  PROBE_STREAM_TYPE,
  ProbeJob,
  ProbeResponse,
  type ProbeStreamLine,
  RunLocation,
} from "../../shared/schemas/protocol.ts";
import type { Connector } from "../../shared/smtp/types.ts";
import { readCappedText } from "./body.ts";
import { type NodeConfig, parseNodeConfig } from "./config.ts";
import {
  InternalError,
  InvalidJob,
  JobReplayed,
  NodeBusy,
  NodeMisconfigured,
  NotFound,
  ProbeNodeError,
  ProbeTimedOut,
  Unauthorized,
} from "./errors.ts";
import { SeenJobs } from "./seen-jobs.ts";
import { admitTarget } from "./target-policy.ts";

export interface ProbeAppDeps {
  /**
   * How the node opens sockets: `cloudflare:sockets` on Workers and workerd, node:net/node:tls
   * on Node.js. Injected, so the app imports under either.
   */
  connector: Connector;
  /** The NODE_RUNTIME values this build can honestly claim; any other is a misconfiguration. */
  runtimes: readonly NodeRuntime[];
  /** Milliseconds since the epoch; the replay window is judged against it. */
  now?: () => number;
}

/** A job is a few hundred bytes; anything near this is not from our coordinator. */
export const MAX_JOB_BYTES = 64 * 1024;
/** Beyond the job's own budget: for the last QUIT, building and sending the response. */
export const RESPONSE_MARGIN_MS = 5_000;

const UNAUTHORIZED_REASONS = {
  missing: "the request is not signed",
  stale: "the request timestamp is outside the replay window",
  "bad-signature": "the request signature does not verify",
} as const;

type ProbeEnv = { Bindings: Record<string, unknown>; Variables: { config: NodeConfig } };

export function createProbeApp(deps: ProbeAppDeps): Hono<ProbeEnv> {
  const now = deps.now ?? Date.now;
  const { connector } = deps;
  const seenJobs = new SeenJobs<ProbeResult>(now);
  const app = new Hono<ProbeEnv>();

  app.use(async (c, next) => {
    const parsed = parseNodeConfig(c.env);
    if (!parsed.ok) throw new NodeMisconfigured(parsed.problem);
    const { runtime } = parsed.config.identity;
    if (!deps.runtimes.includes(runtime)) {
      throw new NodeMisconfigured(
        `NODE_RUNTIME is ${runtime}, but this build runs on ${deps.runtimes.join(" or ")}`,
      );
    }
    c.set("config", parsed.config);
    await next();
  });

  const verify = async (secret: string, body: string, headers: Headers) => {
    const failure = await verifyBody(secret, body, headers, Math.floor(now() / 1000));
    if (failure) throw new Unauthorized(UNAUTHORIZED_REASONS[failure]);
  };

  // Signed like a job (over an empty body): a node that answers proves it holds its secret, so
  // the coordinator's health check also catches a node whose secret was rotated but not installed.
  app.get("/v1/health", async (c) => {
    const config = c.get("config");
    await verify(config.secret, "", c.req.raw.headers);
    return c.json(
      NodeHealth.parse({ node: config.identity, location: locationOf(c.req.raw, config) }),
    );
  });

  app.post("/v1/probe", async (c) => {
    const config = c.get("config");
    const { identity, secret, canary } = config;
    const body = await readCappedText(c.req.raw, MAX_JOB_BYTES);
    // Authenticity first: nothing from an unsigned body is parsed, let alone connected to.
    await verify(secret, body, c.req.raw.headers);

    const job = parseJob(body);
    const target = admitTarget(identity, job.target);
    const seen = seenJobs.admit(job.jobId);
    if (seen.kind === "full") throw new NodeBusy();
    const location = locationOf(c.req.raw, config);
    if (seen.kind === "replayed") {
      // Never run twice: a repeat gets the one run's result, or is refused once it is gone.
      const { run } = seen;
      if (run === null) throw new JobReplayed(job.jobId);
      return answer(c.req.raw, identity, location, () => run);
    }
    const limitMs = job.timeBudgetMs + RESPONSE_MARGIN_MS;
    // The canary domain, the report link and the message cap are this node's own: a job (even a
    // validly signed one) only picks which accepted cases of its own run get a message.
    const proof = job.proof && {
      reportUrl: canary.reportOrigin
        ? `${canary.reportOrigin}/report/${encodeURIComponent(job.checkId)}`
        : null,
      maxMessages: Math.min(job.proof.maxMessages, canary.maxMessages),
      key: job.proof.key,
    };
    const probe = (hooks: ProbeHooks) =>
      holdRun(
        c,
        job.jobId,
        settleWithin(
          runProbe(
            connector,
            {
              target: { ...job.target, ...target },
              canaryDomain: canary.domain,
              targetDomain: job.targetDomain,
              ...(job.caseIds ? { caseIds: job.caseIds } : {}),
              timeBudgetMs: job.timeBudgetMs,
              ...(job.tokenNonce ? { tokenNonce: job.tokenNonce } : {}),
              proof,
              // Workers and workerd verify every certificate; node:tls records it and goes on.
              certificatesEnforced: identity.runtime !== "node",
              heloName: identity.ehloName,
            },
            hooks,
          ),
          limitMs,
        ),
      );
    return answer(c.req.raw, identity, location, probe);
  });

  /**
   * Holds the run for repeats of its job and keeps it going when its caller goes away: Workers
   * cancel a request's work when the client disconnects, except what `waitUntil` holds. Node.js
   * gives no execution context and cancels nothing.
   */
  const holdRun = (c: Context<ProbeEnv>, jobId: string, run: Promise<ProbeResult>) => {
    const held = seenJobs.hold(jobId, run);
    const settled = held.then(
      () => {},
      () => {},
    );
    try {
      c.executionCtx.waitUntil(settled);
    } catch {
      // No ExecutionContext: the Node.js runtime.
    }
    return held;
  };

  app.notFound((c) => c.json(new NotFound(c.req.method, c.req.path).toApiError(), 404));

  app.onError((error, c) => {
    const known = toProbeNodeError(error);
    return c.json(known.toApiError(), known.status);
  });

  return app;
}

/** The run's answer: streamed as NDJSON when the request asks for it, else as JSON. */
async function answer(
  request: Request,
  identity: NodeIdentity,
  location: RunLocation,
  probe: (hooks: ProbeHooks) => Promise<ProbeResult>,
): Promise<Response> {
  if ((request.headers.get("accept") ?? "").includes(PROBE_STREAM_TYPE))
    return streamedAnswer(identity, location, probe);
  const result = await probe({});
  return new Response(fitAnswer(identity, location, result), {
    headers: { "content-type": "application/json" },
  });
}

/**
 * The answer as JSON, at most MAX_ANSWER_BYTES: when the bounded result is still larger, its
 * transcript gives way to a note, since the cases and the verdict are what must arrive.
 */
export function fitAnswer(
  identity: NodeIdentity,
  location: RunLocation,
  result: ProbeResult,
): string {
  // Both sides parse with the same schema: a mismatch is caught here, not at the coordinator.
  const response = ProbeResponse.safeParse({ node: identity, location, result });
  if (!response.success) throw new InternalError("the probe result failed its own schema");
  const whole = JSON.stringify(response.data);
  if (new TextEncoder().encode(whole).byteLength <= MAX_ANSWER_BYTES) return whole;
  const note = {
    at: result.finishedAt,
    conn: 0,
    dir: "note" as const,
    line: `transcript dropped: the answer was over ${MAX_ANSWER_BYTES} bytes`,
  };
  const trimmed = JSON.stringify({ ...response.data, result: { ...result, transcript: [note] } });
  if (new TextEncoder().encode(trimmed).byteLength > MAX_ANSWER_BYTES) {
    throw new InternalError(`the probe result is over ${MAX_ANSWER_BYTES} bytes`);
  }
  return trimmed;
}

/**
 * The answer as NDJSON: the plan and each case as it is answered, so the coordinator can show
 * live progress, then the answer (or the error, since the status line is already sent).
 */
function streamedAnswer(
  identity: NodeIdentity,
  location: RunLocation,
  probe: (hooks: ProbeHooks) => Promise<ProbeResult>,
): Response {
  const encoder = new TextEncoder();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  // Writes are chained, so lines keep their order and a reader that went away fails one chain.
  let written: Promise<void> = Promise.resolve();
  const sendText = (text: string) => {
    written = written.then(() => writer.write(encoder.encode(`${text}\n`)));
  };
  const send = (line: ProbeStreamLine) => sendText(JSON.stringify(line));
  const work = probe({
    onPlan: (cases) => send({ type: "plan", cases }),
    onCase: (result) => send({ type: "case", id: result.id, outcome: result.outcome }),
  })
    // The answer line holds the same bounded answer as a JSON reply would.
    .then((result) => fitAnswer(identity, location, result))
    .then(
      (answer) => sendText(`{"type":"answer","response":${answer}}`),
      (error: unknown) => send({ type: "error", error: toProbeNodeError(error).toApiError() }),
    )
    .then(() => written)
    .then(
      () => writer.close(),
      () => writer.abort(),
    );
  work.catch(() => {});
  return new Response(readable, {
    headers: { "content-type": PROBE_STREAM_TYPE, "cache-control": "no-store" },
  });
}

/**
 * Where this request runs: on Cloudflare, `request.cf.colo` names the data centre (placement
 * moves the Worker and the coordinator reads the `cf-placement` answer header as well); a
 * self-hosted node reports its configured site (a `cf` object there would be an emulator's).
 */
function locationOf(request: Request, { identity, site }: NodeConfig): RunLocation {
  if (identity.runtime !== "cloudflare") return { kind: "site", name: site };
  const colo = (request as { cf?: { colo?: unknown } }).cf?.colo;
  const fromCloudflare = RunLocation.safeParse({ kind: "colo", name: colo });
  return fromCloudflare.success ? fromCloudflare.data : { kind: "site", name: site };
}

function parseJob(body: string): ProbeJob {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidJob("the body is not JSON");
  }
  const parsed = ProbeJob.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "job"}: ${issue.message}`,
    );
    throw new InvalidJob(`not a probe job: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** The probe honours its own deadline; this is the backstop should anything hang past it. */
async function settleWithin<T>(work: Promise<T>, limitMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimedOut(limitMs)), limitMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function toProbeNodeError(error: unknown): ProbeNodeError {
  if (error instanceof ProbeNodeError) return error;
  if (error instanceof HTTPException) {
    return new ProbeNodeError(error.status, "http_error", error.message);
  }
  console.error("probe node: unhandled error", error);
  return new InternalError();
}
