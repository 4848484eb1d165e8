import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { verifyBody } from "../auth/hmac.ts";
import { runProbe } from "../probe/runner.ts";
import { ProbeJob, ProbeResponse } from "../schemas/protocol.ts";
import { type CloudflareConnect, cloudflareConnector } from "../smtp/cloudflare-stream.ts";
import { readCappedText } from "./body.ts";
import { type NodeConfig, parseNodeConfig } from "./config.ts";
import {
  InternalError,
  InvalidJob,
  NodeMisconfigured,
  NotFound,
  ProbeNodeError,
  ProbeTimedOut,
  Unauthorized,
} from "./errors.ts";
import { admitTarget } from "./target-policy.ts";

export interface ProbeAppDeps {
  /** `connect` from `cloudflare:sockets`; injected so the app imports under Node too. */
  connect: CloudflareConnect;
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
  const connector = cloudflareConnector(deps.connect);
  const app = new Hono<ProbeEnv>();

  app.use(async (c, next) => {
    const parsed = parseNodeConfig(c.env);
    if (!parsed.ok) throw new NodeMisconfigured(parsed.problem);
    c.set("config", parsed.config);
    await next();
  });

  app.get("/v1/health", (c) => c.json(c.get("config").identity));

  app.post("/v1/probe", async (c) => {
    const { identity, secret } = c.get("config");
    const body = await readCappedText(c.req.raw, MAX_JOB_BYTES);
    // Authenticity first: nothing from an unsigned body is parsed, let alone connected to.
    const failure = await verifyBody(secret, body, c.req.raw.headers, Math.floor(now() / 1000));
    if (failure) throw new Unauthorized(UNAUTHORIZED_REASONS[failure]);

    const job = parseJob(body);
    const target = admitTarget(identity, job.target);
    const limitMs = job.timeBudgetMs + RESPONSE_MARGIN_MS;
    const result = await settleWithin(
      runProbe(connector, {
        target: { ...job.target, ...target },
        canaryDomain: job.canaryDomain,
        targetDomain: job.targetDomain,
        ...(job.caseIds ? { caseIds: job.caseIds } : {}),
        timeBudgetMs: job.timeBudgetMs,
        ...(job.tokenNonce ? { tokenNonce: job.tokenNonce } : {}),
        proof: job.proof,
        // The region in the HELO name lets a target (or a lab server) tell our vantages apart.
        heloName: `probe-${identity.region}.${job.canaryDomain}`,
      }),
      limitMs,
    );
    // Both sides parse with the same schema: a mismatch is caught here, not at the coordinator.
    const response = ProbeResponse.safeParse({ node: identity, result });
    if (!response.success) throw new InternalError("the probe result failed its own schema");
    return c.json(response.data);
  });

  app.notFound((c) => c.json(new NotFound(c.req.method, c.req.path).toApiError(), 404));

  app.onError((error, c) => {
    const known = toProbeNodeError(error);
    return c.json(known.toApiError(), known.status);
  });

  return app;
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
