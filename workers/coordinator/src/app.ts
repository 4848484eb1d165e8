import { Hono } from "hono";
import { ZodError } from "zod";
import { authenticate } from "./access/index.ts";
import { rateLimitHeaders } from "./access/limits.ts";
import type { AppContext } from "./context.ts";
import { resolverFor } from "./dns/resolver-for.ts";
import { ConfigError, readConfig } from "./env.ts";
import { ApiException } from "./errors.ts";
import { pagesRoutes } from "./pages/routes.tsx";
import { badgeRoutes, domainRoutes } from "./routes/badge.ts";
import { batchesRoutes } from "./routes/batches.ts";
import { checksRoutes } from "./routes/checks.ts";
import { limitsRoutes } from "./routes/limits.ts";
import { apiDocsRoutes, openApiRoutes } from "./routes/openapi.ts";
import { probesApiRoutes } from "./routes/probes.ts";
import { publicListApiRoutes, publicPageRoutes } from "./routes/public-list.ts";
import { webhookSecretRoutes } from "./routes/webhook-secret.ts";

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
  // Every route, the page and the badge too: a bad variable fails every answer the same way.
  app.use("*", async (c, next) => {
    const config = readConfig(c.env);
    c.set("config", config);
    c.set("resolver", resolverFor(config));
    await next();
  });
  // So every API answer (errors too) carries the caller's RateLimit fields.
  app.use("/api/*", rateLimitHeaders);
  // Who is asking (API key or anonymous), and the key's per-minute rate.
  app.use("/api/*", authenticate);
  app.onError((error, c) => {
    if (error instanceof ApiException) {
      return c.json({ code: error.code, message: error.message }, error.status, error.headers);
    }
    if (error instanceof ZodError) {
      return c.json({ code: "invalid_request", message: describeZodError(error) }, 400);
    }
    if (error instanceof ConfigError) {
      console.error(`configuration invalid: ${error.message}`);
      return c.json({ code: "misconfigured", message: error.message }, 503);
    }
    console.error("unhandled error", error);
    return c.json({ code: "internal_error", message: "something went wrong on our side" }, 500);
  });
  app.notFound((c) =>
    c.json({ code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  );
  return app
    .route("/api/v1/checks", checksRoutes)
    .route("/api/v1/batches", batchesRoutes)
    .route("/api/v1/limits", limitsRoutes)
    .route("/api/v1/probes", probesApiRoutes)
    .route("/api/v1/webhook-secret", webhookSecretRoutes)
    .route("/api/v1", openApiRoutes)
    .route("/api/docs", apiDocsRoutes)
    .route("/badge", badgeRoutes)
    .route("/api/v1/domains", domainRoutes)
    .route("/api/v1/public-list", publicListApiRoutes)
    .route("/public", publicPageRoutes)
    .route("/", pagesRoutes);
}

export type AppType = ReturnType<typeof createApp>;
