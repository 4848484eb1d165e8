import { Hono } from "hono";
import { parseCreateCheckRequest } from "../../../../shared/schemas/api.ts";
import { startAdmittedCheck } from "../access/index.ts";
import { onCheckFinished } from "../batches/on-check-finished.ts";
import { decideCheck } from "../checks/decide.ts";
import { checkReport } from "../checks/report.ts";
import type { AppContext } from "../context.ts";
import { finishCheckIfComplete, getCheckView, openDatabase } from "../db/repository.ts";
import { BadRequest, NotFound } from "../errors.ts";
import { deliveriesOfCheck } from "../proof/deliveries.ts";
import { expireProofs } from "../proof/state.ts";
import { readJsonBody } from "../validation.ts";
import { acceptWebhookUrl } from "../webhooks/request.ts";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

export const checksRoutes = new Hono<AppContext>()
  .post("/", async (c) => {
    const request = parseCreateCheckRequest(await readJsonBody(c.req.raw));
    const idempotencyKey = c.req.header("idempotency-key") ?? null;
    if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequest(
        "invalid_idempotency_key",
        "Idempotency-Key must be 1-128 printable ASCII characters",
      );
    }
    // Admission (API key limits, anonymous rate limit, per-target cool-down) happens inside.
    const { check, created } = await startAdmittedCheck(c, request, {
      idempotencyKey,
      webhookUrl: acceptWebhookUrl(c.env, c.var.config, request.webhook, c.var.apiKey?.id ?? null),
    });
    const location = `/api/v1/checks/${check.id}`;
    c.header("Location", location);
    return c.json({ id: check.id, status: check.status, location }, created ? 202 : 200);
  })
  .get("/:id", async (c) => {
    const db = openDatabase(c.env.DB);
    const id = c.req.param("id");
    // A check whose deadline passed is finished here too, so no reader ever sees it "running"
    // past its deadline, even before the sweeper runs.
    const finished = await finishCheckIfComplete(db, id, Date.now(), decideCheck);
    if (finished) await onCheckFinished(c.env, finished);
    // Likewise a proof past its window reads "unconfirmed" without waiting for the sweeper.
    await expireProofs(db, Date.now(), id);
    const view = await getCheckView(db, id);
    if (!view) throw new NotFound(`no check ${id}`);
    return c.json(checkReport(view, await deliveriesOfCheck(db, id)));
  });
