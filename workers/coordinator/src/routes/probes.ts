import { Hono } from "hono";
import type { AppContext } from "../context.ts";
import { probeDirectory } from "../probes/directory.ts";

/** `GET /api/v1/probes`: who connects to mail servers for us, and how to make it stop. */
export const probesApiRoutes = new Hono<AppContext>().get("/", async (c) => {
  c.header("Cache-Control", "public, max-age=300");
  return c.json(await probeDirectory(c.env, c.var.config));
});
