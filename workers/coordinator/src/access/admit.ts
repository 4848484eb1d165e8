import type { Context } from "hono";
import type { CreateCheckRequest } from "../../../../shared/schemas/api.ts";
import { type StartCheckOptions, type StartedCheck, startCheck } from "../checks/start.ts";
import type { AppContext } from "../context.ts";
import { findCheckByIdempotencyKey, openDatabase } from "../db/repository.ts";
import { enforceAnonymousRate, reserveAnonymousCheck } from "./anonymous.ts";
import { enforceTargetCooldown } from "./cooldown.ts";
import { assertSameRequest, scopedIdempotencyKey } from "./idempotency.ts";
import { reserveDailyCheck } from "./usage.ts";

/** Leave to start one check, for whoever the request comes from. */
export interface Admission {
  /** The key to record on the check; null when anonymous. */
  apiKeyId: string | null;
  /** Gives back what admission took (a unit of the daily quota) when no check was started. */
  release(): Promise<void>;
}

/**
 * Decides whether the caller may start a check of `target` on `port` now; throws an ApiException
 * (429 with Retry-After) when not. Anonymous: the per-address flood brake, the target
 * cool-down, then one check of the caller's minute. Keyed: the shorter keyed cool-down, then one
 * unit of the daily quota. The cool-down is read before anything is taken, and what was taken
 * is given back when the check is refused before any probe runs, so refusals cost no quota.
 */
export async function admitCheck(
  c: Context<AppContext>,
  target: string,
  port: number,
): Promise<Admission> {
  const apiKey = c.var.apiKey;
  const now = Date.now();
  if (!apiKey) {
    await enforceAnonymousRate(c.env, c.req.raw);
    await enforceTargetCooldown(c.env, c.var.config, target, port, false, now);
    const reservation = await reserveAnonymousCheck(c.env, c.var.config, c.req.raw, now);
    return { apiKeyId: null, release: () => reservation.release() };
  }
  await enforceTargetCooldown(c.env, c.var.config, target, port, true, now);
  const reservation = await reserveDailyCheck(c.env.DB, apiKey, now);
  return { apiKeyId: apiKey.id, release: () => reservation.release() };
}

/** The target and port a create-check request will be recorded under. */
export function requestTarget(request: CreateCheckRequest): { target: string; port: number } {
  const target = "domain" in request ? request.domain : request.host;
  return { target, port: request.port ?? 25 };
}

/**
 * Admits and starts a check: an idempotent retry returns its check without being limited, a
 * refused or failed start gives back what admission took, and the check records the API key.
 */
export async function startAdmittedCheck(
  c: Context<AppContext>,
  request: CreateCheckRequest,
  options: Omit<StartCheckOptions, "apiKeyId"> = {},
): Promise<StartedCheck> {
  const apiKeyId = c.var.apiKey?.id ?? null;
  const idempotencyKey = options.idempotencyKey
    ? scopedIdempotencyKey(options.idempotencyKey, apiKeyId)
    : null;
  if (idempotencyKey) {
    const replayed = await findCheckByIdempotencyKey(openDatabase(c.env.DB), idempotencyKey);
    if (replayed) {
      assertSameRequest(replayed, request, options.webhookUrl ?? null);
      return { check: replayed, created: false };
    }
  }
  const { target, port } = requestTarget(request);
  const admission = await admitCheck(c, target, port);
  let started: StartedCheck;
  try {
    started = await startCheck(c.env, c.var.config, c.var.resolver, request, {
      ...options,
      idempotencyKey,
      apiKeyId: admission.apiKeyId,
    });
  } catch (error) {
    await admission.release();
    throw error;
  }
  if (!started.created) await admission.release();
  return started;
}
