import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { GuardError, parseHostInput } from "../../../../shared/guard/index.ts";
import { LimitsQuery, LimitsReport } from "../../../../shared/schemas/api.ts";
import { normalizeTarget, targetCooldown } from "../access/cooldown.ts";
import { callerLimits } from "../access/limits.ts";
import type { AppContext } from "../context.ts";
import { BadRequest } from "../errors.ts";
import { component, errorResponses, jsonResponse } from "./openapi-document.ts";

/**
 * `GET /api/v1/limits`: the caller's limits and where it stands (the same numbers as the
 * RateLimit fields), and with `?target=` (and `port`, default 25) the cool-down left on that
 * target for this caller. Reading it costs no check.
 */
export const limitsRoutes = new OpenAPIHono<AppContext>().openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "getLimits",
    summary: "Your limits, what is left of them, and a target's cool-down",
    description:
      "For anonymous callers (per address) and key holders alike; the same numbers as the RateLimit fields. With `target` (and `port`), also how long that target's cool-down has left for you. Reading it takes no check.",
    tags: ["limits"],
    request: { query: LimitsQuery },
    responses: {
      200: jsonResponse(component("LimitsReport", LimitsReport), "Your limits"),
      ...errorResponses(400),
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const now = Date.now();
    const apiKey = c.var.apiKey;
    let cooldown: LimitsReport["cooldown"] = null;
    if (query.target !== undefined) {
      try {
        parseHostInput(query.target);
      } catch (error) {
        if (error instanceof GuardError) throw new BadRequest(error.code, error.message);
        throw error;
      }
      const state = await targetCooldown(
        c.env,
        query.target,
        query.port,
        apiKey !== undefined,
        now,
      );
      cooldown = {
        target: normalizeTarget(query.target),
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
