import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { GuardError, parseHostInput } from "../../../../shared/guard/index.ts";
import { LimitsQuery, LimitsReport } from "../../../../shared/schemas/api.ts";
import { contactsCooldown } from "../access/cooldown.ts";
import { callerLimits } from "../access/limits.ts";
import { countTargetLookup, TARGET_LOOKUPS_PER_MINUTE } from "../access/lookups.ts";
import { planFor } from "../checks/start.ts";
import type { AppContext } from "../context.ts";
import { contactsOf } from "../db/repository.ts";
import { BadRequest } from "../errors.ts";
import { component, errorResponses, jsonResponse } from "./openapi-document.ts";

/**
 * `GET /api/v1/limits`: the caller's limits and where it stands (the same numbers as the
 * RateLimit fields), and with `?target=` (and `port`, default 25) the cool-down left on the
 * addresses a check of that target would contact, for this caller. Reading it costs no check.
 */
export const limitsRoutes = new OpenAPIHono<AppContext>().openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "getLimits",
    summary: "Your limits, what is left of them, and a target's cool-down",
    description: `For anonymous callers (per address) and key holders alike; the same numbers as the RateLimit fields. With \`target\` (and \`port\`), also how long that target's cool-down has left for you. The cool-down is on the addresses a check would contact, so the target is resolved as a check would resolve it (a name as a domain, through its MX), and refused as a check would be (403, 422, 503). Reading it takes no check. Because a target is resolved, lookups with \`target\` have an allowance of their own: ${TARGET_LOOKUPS_PER_MINUTE} per minute per API key, or per address without one (IPv6: one /64), then 429 \`lookup_rate_limited\` with \`Retry-After\`; it is not shown in the RateLimit fields and never touches check quota. Without \`target\` the request is not limited beyond a key's requests per minute.`,
    tags: ["limits"],
    request: { query: LimitsQuery },
    responses: {
      200: jsonResponse(component("LimitsReport", LimitsReport), "Your limits"),
      ...errorResponses(400, 403, 422, 503),
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
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
      // Before any DNS work: each lookup resolves names, so it has an allowance of its own.
      await countTargetLookup(c, now);
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
      const state = await contactsCooldown(
        c.env,
        c.var.config,
        contacts,
        apiKey !== undefined,
        now,
      );
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
      caller: apiKey
        ? { kind: "api-key", id: apiKey.id, name: apiKey.name }
        : { kind: "anonymous" },
      limits: await callerLimits(c, now),
      cooldown,
    };
    return c.json(report, 200);
  },
);
