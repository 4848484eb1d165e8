import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { WebhookSecret } from "../../../../shared/schemas/api.ts";
import { ApiKeyRequired } from "../access/errors.ts";
import type { AppContext } from "../context.ts";
import { ServiceUnavailable } from "../errors.ts";
import { webhookSecretFor } from "../webhooks/secret.ts";
import { component, errorResponses, jsonResponse } from "./openapi-document.ts";

/**
 * A key holder's webhook signing secret, derived for their key alone: what their receiver
 * verifies `X-Relaywatch-Signature` with (HMAC-SHA256 over `<timestamp>.<body>`).
 */
export const webhookSecretRoutes = new OpenAPIHono<AppContext>().openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "getWebhookSecret",
    security: [{ apiKey: [] }],
    summary: "Your key's webhook signing secret (HMAC-SHA256 over `<timestamp>.<body>`)",
    tags: ["batches"],
    responses: {
      200: jsonResponse(component("WebhookSecret", WebhookSecret), "The secret"),
      ...errorResponses(503),
    },
  }),
  async (c) => {
    const apiKey = c.var.apiKey;
    if (!apiKey) throw new ApiKeyRequired("The webhook secret");
    if (c.var.config.webhookSigningSecret === null) {
      throw new ServiceUnavailable("webhooks_unavailable", "this coordinator cannot sign webhooks");
    }
    c.header("Cache-Control", "no-store");
    return c.json(
      {
        secret: await webhookSecretFor(c.var.config, apiKey.id),
        algorithm:
          "HMAC-SHA256 over `<X-Relaywatch-Timestamp>.<raw body>`, hex, header `X-Relaywatch-Signature: v1=<hex>`",
      },
      200,
    );
  },
);
