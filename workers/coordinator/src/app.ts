import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
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
import { serveReference } from "./routes/openapi.ts";
import { probesApiRoutes } from "./routes/probes.ts";
import { publicListApiRoutes, publicPageRoutes } from "./routes/public-list.ts";
import { webhookSecretRoutes } from "./routes/webhook-secret.ts";
import { rejectInvalid } from "./validation.ts";

export function createApp() {
  // Every declared request schema that fails ends in the same 400 `{code, message}`.
  const app = new OpenAPIHono<AppContext>({ defaultHook: rejectInvalid() });
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
    if (error instanceof ConfigError) {
      console.error(`configuration invalid: ${error.message}`);
      return c.json({ code: "misconfigured", message: error.message }, 503);
    }
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own refusals (a body its validator could not read, for one), in the same shape.
      return c.json({ code: "bad_request", message: error.message }, error.status);
    }
    console.error("unhandled error", error);
    return c.json({ code: "internal_error", message: "something went wrong on our side" }, 500);
  });
  app.notFound((c) =>
    c.json({ code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  );
  serveReference(app);
  return app
    .route("/api/v1/checks", checksRoutes)
    .route("/api/v1/batches", batchesRoutes)
    .route("/api/v1/limits", limitsRoutes)
    .route("/api/v1/probes", probesApiRoutes)
    .route("/api/v1/webhook-secret", webhookSecretRoutes)
    .route("/badge", badgeRoutes)
    .route("/api/v1/domains", domainRoutes)
    .route("/api/v1/public-list", publicListApiRoutes)
    .route("/public", publicPageRoutes)
    .route("/", pagesRoutes);
}

export type AppType = ReturnType<typeof createApp>;
