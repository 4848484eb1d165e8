import { Hono } from "hono";
import { parseCreateCheckRequest } from "../../../../shared/schemas/api.ts";
import { enforceHumanCheck, startAdmittedCheck } from "../access/index.ts";
import { readCheck } from "../checks/read.ts";
import { checkReport } from "../checks/report.ts";
import type { AppContext } from "../context.ts";
import { openDatabase } from "../db/repository.ts";
import { BadRequest, NotFound } from "../errors.ts";
import { deliveriesOfCheck } from "../proof/deliveries.ts";
import { readJsonBody } from "../validation.ts";
import { acceptWebhookUrl } from "../webhooks/request.ts";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

export const checksRoutes = new Hono<AppContext>()
  .post("/", async (c) => {
    const request = parseCreateCheckRequest(await readJsonBody(c.req.raw));
    await enforceHumanCheck(c);
    const idempotencyKey = c.req.header("idempotency-key") ?? null;
    if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequest(
        "invalid_idempotency_key",
        "Idempotency-Key must be 1-128 printable ASCII characters",
      );
    }
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
  })
  .get("/:id", async (c) => {
    const db = openDatabase(c.env.DB);
    const id = c.req.param("id");
    const view = await readCheck(c.env, c.var.config, db, id);
    if (!view) throw new NotFound(`no check ${id}`);
    return c.json(checkReport(view, await deliveriesOfCheck(db, id)));
  });
