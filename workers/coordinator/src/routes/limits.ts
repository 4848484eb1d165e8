import { Hono } from "hono";
import { z } from "zod";
import { GuardError, parseHostInput } from "../../../../shared/guard/index.ts";
import { contactsCooldown } from "../access/cooldown.ts";
import { callerLimits } from "../access/limits.ts";
import { planFor } from "../checks/start.ts";
import type { AppContext } from "../context.ts";
import { contactsOf } from "../db/repository.ts";
import { BadRequest } from "../errors.ts";
import type { LimitsReport } from "./openapi-schemas.ts";

const LimitsQuery = z
  .object({
    target: z.string().min(1).max(255).optional(),
    port: z.coerce.number().int().min(1).max(65_535).default(25),
  })
  .strict();

/**
 * `GET /api/v1/limits`: the caller's limits and where it stands (the same numbers as the
 * RateLimit fields), and with `?target=` (and `port`, default 25) the cool-down left on the
 * addresses a check of that target would contact, for this caller. Reading it costs no check.
 */
export const limitsRoutes = new Hono<AppContext>().get("/", async (c) => {
  const query = LimitsQuery.parse(c.req.query());
  const now = Date.now();
  const apiKey = c.var.apiKey;
  let cooldown: LimitsReport["cooldown"] = null;
  if (query.target !== undefined) {
    let input: ReturnType<typeof parseHostInput>;
    try {
      input = parseHostInput(query.target);
    } catch (error) {
      if (error instanceof GuardError) throw new BadRequest(error.code, error.message);
      throw error;
    }
    // The cool-down is on what a check would contact (see access/cooldown.ts): a name is planned
    // as a domain (its MX), an address literal as a host, exactly as a check of it would be.
    const request =
      input.kind === "address"
        ? { host: query.target, port: query.port }
        : { domain: query.target, port: query.port };
    const plan = await planFor(c.env, c.var.config, c.var.resolver, request);
    const contacts = {
      addresses: contactsOf(plan.vantages).map((contact) => contact.address),
      port: plan.port,
    };
    const state = await contactsCooldown(c.env, c.var.config, contacts, apiKey !== undefined, now);
    cooldown = {
      target: plan.target,
      port: query.port,
      remainingSeconds: state ? Math.ceil((state.allowedAt - now) / 1000) : 0,
      allowedAt: new Date(state?.allowedAt ?? now).toISOString(),
      report: state?.report ?? null,
    };
  }
  c.header("Cache-Control", "no-store");
  const report: LimitsReport = {
    caller: apiKey ? { kind: "api-key", id: apiKey.id, name: apiKey.name } : { kind: "anonymous" },
    limits: await callerLimits(c, now),
    cooldown,
  };
  return c.json(report);
});
