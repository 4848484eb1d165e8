import type { Context } from "hono";
import type { CreateCheckRequest } from "../../../../shared/schemas/api.ts";
import {
  planFor,
  type StartCheckOptions,
  type StartedCheck,
  startPlannedCheck,
} from "../checks/start.ts";
import type { AppContext } from "../context.ts";
import {
  contactsOf,
  findCheckByIdempotencyKey,
  openDatabase,
  TargetBusy,
} from "../db/repository.ts";
import { clientNetwork, enforceAnonymousRate, reserveAnonymousCheck } from "./anonymous.ts";
import { cooldownSince, enforceTargetCooldown } from "./cooldown.ts";
import { TooManyRequests } from "./errors.ts";
import { assertSameRequest, scopedIdempotencyKey } from "./idempotency.ts";
import { reserveDailyCheck } from "./usage.ts";

/**
 * Admits and starts a check for the API or the page. An idempotent retry returns its check
 * without being limited. Otherwise: anonymous callers pass the per-network rate limit first;
 * then the check is planned (DNS, guard, de-duplicated addresses), and the cool-down is judged
 * on the (address, port) pairs it would really contact, not on how the target was spelled;
 * then anonymous callers give one check of their minute, key holders one unit of their daily
 * quota (back again if nothing starts, so refusals cost no quota). The
 * insert itself re-checks the cool-down, so two racing requests cannot both start a check.
 */
export async function startAdmittedCheck(
  c: Context<AppContext>,
  request: CreateCheckRequest,
  options: Omit<StartCheckOptions, "apiKeyId" | "quietSince"> = {},
): Promise<StartedCheck> {
  const apiKey = c.var.apiKey;
  const apiKeyId = apiKey?.id ?? null;
  const idempotencyKey = options.idempotencyKey
    ? scopedIdempotencyKey(options.idempotencyKey, apiKeyId, clientNetwork(c.req.raw))
    : null;
  if (idempotencyKey) {
    const replayed = await findCheckByIdempotencyKey(openDatabase(c.env.DB), idempotencyKey);
    if (replayed) {
      assertSameRequest(replayed, request, options.webhookUrl ?? null);
      return { check: replayed, created: false };
    }
  }
  if (!apiKey) await enforceAnonymousRate(c.env, c.req.raw);
  const plan = await planFor(c.env, c.var.config, c.var.resolver, request);
  const contacts = {
    addresses: contactsOf(plan.vantages).map((contact) => contact.address),
    port: plan.port,
  };
  const keyed = apiKey !== undefined;
  const now = Date.now();
  await enforceTargetCooldown(c.env, contacts, keyed, now);
  const reservation = apiKey
    ? await reserveDailyCheck(c.env.DB, apiKey, now)
    : await reserveAnonymousCheck(c.env, c.req.raw, now);
  let started: StartedCheck;
  try {
    started = await startPlannedCheck(c.env, c.var.config, plan, request, {
      ...options,
      idempotencyKey,
      apiKeyId,
      quietSince: cooldownSince(c.env, keyed, now),
    });
  } catch (error) {
    await reservation.release();
    if (!(error instanceof TargetBusy)) throw error;
    // Another request started a check of the same address a moment ago: its report is the answer.
    await enforceTargetCooldown(c.env, contacts, keyed, Date.now());
    throw new TooManyRequests("target_cooldown", error.message, 1);
  }
  if (!started.created) await reservation.release();
  return started;
}
