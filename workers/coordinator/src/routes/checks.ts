import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { CreateCheckRequest, CreateCheckResponse } from "../../../../shared/schemas/api.ts";
import { CheckReport } from "../../../../shared/schemas/check-report.ts";
import { enforceHumanCheck, startAdmittedCheck } from "../access/index.ts";
import { readCheck } from "../checks/read.ts";
import { checkReport } from "../checks/report.ts";
import type { AppContext } from "../context.ts";
import { openDatabase } from "../db/repository.ts";
import { NotFound } from "../errors.ts";
import { deliveriesOfCheck } from "../proof/deliveries.ts";
import { jsonBody, rejectInvalid } from "../validation.ts";
import { acceptWebhookUrl } from "../webhooks/request.ts";
import {
  component,
  createdResponse,
  errorResponses,
  IDEMPOTENCY_KEY_PATTERN,
  jsonResponse,
} from "./openapi-document.ts";

const StartedCheck = component("CreateCheckResponse", CreateCheckResponse);

export const checksRoutes = new OpenAPIHono<AppContext>()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      operationId: "createCheck",
      summary: "Start a check of a domain's MX hosts or of one host",
      tags: ["checks"],
      middleware: [jsonBody()],
      request: {
        headers: z.object({
          "idempotency-key": z
            .string()
            .regex(IDEMPOTENCY_KEY_PATTERN)
            .optional()
            .describe(
              "1-128 printable ASCII characters: a retry with the same key returns the same resource (200) and starts nothing new",
            ),
        }),
        body: {
          required: true,
          content: {
            "application/json": { schema: component("CreateCheckRequest", CreateCheckRequest) },
          },
        },
      },
      responses: {
        202: createdResponse(StartedCheck, "The check was started"),
        200: createdResponse(StartedCheck, "An idempotent retry: the check the key started"),
        ...errorResponses(400, 403, 415, 422, 503),
      },
    }),
    async (c) => {
      const request = c.req.valid("json");
      await enforceHumanCheck(c);
      const idempotencyKey = c.req.valid("header")["idempotency-key"] ?? null;
      const webhookUrl = await acceptWebhookUrl(
        c.var.config,
        c.var.resolver,
        request.webhook,
        c.var.apiKey?.id ?? null,
      );
      // Admission (API key limits, anonymous rate limit, per-target cool-down) happens inside.
      const { check, created } = await startAdmittedCheck(c, request, {
        idempotencyKey,
        webhookUrl,
      });
      const location = `/api/v1/checks/${check.id}`;
      c.header("Location", location);
      return c.json({ id: check.id, status: check.status, location }, created ? 202 : 200);
    },
    rejectInvalid({ "idempotency-key": "invalid_idempotency_key" }),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      operationId: "getCheck",
      summary: "A check's report: per MX host, per address, per vantage",
      tags: ["checks"],
      request: { params: z.object({ id: z.string().describe("the check id") }) },
      responses: {
        200: jsonResponse(component("CheckReport", CheckReport), "The report"),
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const db = openDatabase(c.env.DB);
      const { id } = c.req.valid("param");
      const view = await readCheck(c.env, c.var.config, db, id);
      if (!view) throw new NotFound(`no check ${id}`);
      return c.json(checkReport(view, await deliveriesOfCheck(db, id)), 200);
    },
  );
