import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { ProbeDirectory } from "../../../../shared/schemas/api.ts";
import type { AppContext } from "../context.ts";
import { probeDirectory } from "../probes/directory.ts";
import { component, errorResponses, jsonResponse } from "./openapi-document.ts";

/** `GET /api/v1/probes`: who connects to mail servers for us, and how to make it stop. */
export const probesApiRoutes = new OpenAPIHono<AppContext>().openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "getProbes",
    summary: "Who connects to mail servers for us, and how to make it stop",
    description:
      "Every active probe with its region, where it runs, its network (AS), its egress addresses and their reverse DNS, its EHLO name and whether it is on a DNS blocklist; what a check may do (the abuse budget), each probe's caps, the abuse contact and how to opt out. The same as the page /about/probes.",
    tags: ["probes"],
    security: [],
    responses: {
      200: jsonResponse(component("ProbeDirectory", ProbeDirectory), "The probes"),
      ...errorResponses(),
    },
  }),
  async (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(await probeDirectory(c.env, c.var.config), 200);
  },
);
