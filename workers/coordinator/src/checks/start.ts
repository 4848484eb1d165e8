import type { Resolver } from "../../../../shared/dns/resolver.ts";
import type { CreateCheckRequest } from "../../../../shared/schemas/api.ts";
import { type CheckRow, createCheck, openDatabase } from "../db/repository.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { reserveNodeCapacity } from "../nodes/caps.ts";
import { loadRegistry } from "../nodes/registry.ts";
import { OptOutCheck } from "../optout/check.ts";
import { proofSecret } from "../proof/policy.ts";
import { PROBE_CALL_MARGIN_MS } from "./dispatch.ts";
import { type CheckPlan, planCheck } from "./plan.ts";

/** Queue delivery can lag behind the request; the deadline allows for it. */
const QUEUE_ALLOWANCE_MS = 30_000;

export interface StartCheckOptions {
  idempotencyKey?: string | null;
  apiKeyId?: string | null;
  batchId?: string | null;
  webhookUrl?: string | null;
  /** The cool-down, enforced inside the insert (see createCheck's quietSince). */
  quietSince?: number | null;
}

export interface StartedCheck {
  check: CheckRow;
  created: boolean;
}

/**
 * Starts a check for whoever asks (the API, the page, a batch, the badge re-check): plan it on
 * the node registry, drop what opted out (403 target_opted_out when that is everything) and what
 * would exceed a node's caps (429 node_capacity when that is everything), store it with its
 * pending vantages, and put one job per vantage on the probe queue.
 */
export async function startCheck(
  env: CoordinatorEnv,
  config: CoordinatorConfig,
  resolver: Resolver,
  request: CreateCheckRequest,
  options: StartCheckOptions = {},
): Promise<StartedCheck> {
  return startPlannedCheck(
    env,
    config,
    await planFor(env, config, resolver, request),
    request,
    options,
  );
}

/** The plan of a check, refused before any DNS lookup when it asks for what cannot be done. */
export async function planFor(
  env: CoordinatorEnv,
  config: CoordinatorConfig,
  resolver: Resolver,
  request: CreateCheckRequest,
): Promise<CheckPlan> {
  // A check with proof needs the canary secret: refuse it now rather than fail every vantage.
  if (request.proof === true) proofSecret(env);
  const db = openDatabase(env.DB);
  const nodes = await loadRegistry(db, config);
  const optOuts = OptOutCheck.begin(
    env,
    resolver,
    "domain" in request ? request.domain : request.host,
  );
  return optOuts.apply(
    await planCheck(request, resolver, config, nodes, () => crypto.randomUUID()),
  );
}

/**
 * Stores a planned check with its pending vantages, and queues one job per vantage, once the
 * nodes' caps have room for it.
 */
export async function startPlannedCheck(
  env: CoordinatorEnv,
  config: CoordinatorConfig,
  planned: CheckPlan,
  request: CreateCheckRequest,
  options: StartCheckOptions = {},
): Promise<StartedCheck> {
  const now = Date.now();
  const capacity = await reserveNodeCapacity(env, planned, now);
  const plan = capacity.plan;
  let stored: Awaited<ReturnType<typeof createCheck>>;
  try {
    stored = await storeCheck(env, config, request, options, plan, now);
  } catch (error) {
    await capacity.release();
    throw error;
  }
  const { check, created } = stored;
  if (created) {
    await env.PROBE_QUEUE.sendBatch(
      plan.vantages.map((vantage) => ({ body: { checkId: check.id, vantageId: vantage.id } })),
    );
  } else {
    // An idempotent retry: the check it names was counted when it started.
    await capacity.release();
  }
  return { check, created };
}

function storeCheck(
  env: CoordinatorEnv,
  config: CoordinatorConfig,
  request: CreateCheckRequest,
  options: StartCheckOptions,
  plan: CheckPlan,
  now: number,
) {
  return createCheck(openDatabase(env.DB), {
    id: crypto.randomUUID(),
    kind: plan.kind,
    target: plan.target,
    port: plan.port,
    domainName: plan.domainName,
    idempotencyKey: options.idempotencyKey ?? null,
    deadlineAt: now + config.probeTimeBudgetMs + PROBE_CALL_MARGIN_MS + QUEUE_ALLOWANCE_MS,
    now,
    mx: {
      hosts: plan.mailHosts,
      refused: plan.refused,
      caseIds: request.cases ?? null,
      implicitTls: request.implicitTls ?? null,
      origins: plan.origins,
      unavailable: plan.unavailable,
    },
    vantages: plan.vantages,
    apiKeyId: options.apiKeyId ?? null,
    batchId: options.batchId ?? null,
    webhookUrl: options.webhookUrl ?? null,
    proofRequested: request.proof === true,
    quietSince: options.quietSince ?? null,
  });
}
