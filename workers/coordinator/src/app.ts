import { Hono } from "hono";
import { ZodError } from "zod";
import type { AppContext } from "./context.ts";
import { DohResolver } from "./dns/doh-resolver.ts";
import { ZoneResolver } from "./dns/zone-resolver.ts";
import { ConfigError, readConfig } from "./env.ts";
import { ApiException } from "./errors.ts";
import { checksRoutes } from "./routes/checks.ts";

function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join(".") : "body";
      if (issue.code === "unrecognized_keys")
        return `${where}: unknown field(s) ${issue.keys.join(", ")}`;
      if (issue.code === "invalid_union")
        return `${where}: send either {"domain": "..."} or {"host": "...", "port": 25}`;
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

export function createApp() {
  const app = new Hono<AppContext>();
  app.use("/api/*", async (c, next) => {
    c.set("config", readConfig(c.env));
    c.set(
      "resolver",
      c.env.DNS_ZONE ? new ZoneResolver(c.env.DNS_ZONE) : new DohResolver(c.env.DOH_ENDPOINT),
    );
    await next();
  });
  app.onError((error, c) => {
    if (error instanceof ApiException) {
      return c.json({ code: error.code, message: error.message }, error.status, error.headers);
    }
    if (error instanceof ZodError) {
      return c.json({ code: "invalid_request", message: describeZodError(error) }, 400);
    }
    if (error instanceof ConfigError) {
      return c.json({ code: "misconfigured", message: error.message }, 503);
    }
    console.error("unhandled error", error);
    return c.json({ code: "internal_error", message: "something went wrong on our side" }, 500);
  });
  app.notFound((c) =>
    c.json({ code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  );
  return app.route("/api/v1/checks", checksRoutes);
}

export type AppType = ReturnType<typeof createApp>;
