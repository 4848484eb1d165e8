import { Hono } from "hono";
import { BatchPageQuery } from "../../../../shared/schemas/batch.ts";
import { ApiKeyRequired } from "../access/errors.ts";
import { reserveDailyCheck } from "../access/usage.ts";
import { createBatch } from "../batches/create.ts";
import { batchCsv } from "../batches/csv.ts";
import { batchItemsFor } from "../batches/items.ts";
import { parseBatchRequest } from "../batches/request.ts";
import { countBatch, findBatch, listBatchItems } from "../batches/store.ts";
import { batchReport, checkReportPath } from "../batches/view.ts";
import type { AppContext } from "../context.ts";
import { openDatabase } from "../db/repository.ts";
import { BadRequest, NotFound } from "../errors.ts";
import { readJsonBody } from "../validation.ts";
import { acceptWebhookUrl } from "../webhooks/request.ts";

/** A thousand domains of up to 253 characters are about 260 KB of JSON. */
const MAX_BATCH_BODY_BYTES = 512 * 1024;

function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === "csv";
  return /\btext\/csv\b/i.test(accept ?? "");
}

export const batchesRoutes = new Hono<AppContext>()
  .post("/", async (c) => {
    const apiKey = c.var.apiKey;
    if (!apiKey) throw new ApiKeyRequired("A batch");
    const request = parseBatchRequest(await readJsonBody(c.req.raw, MAX_BATCH_BODY_BYTES));
    const webhookUrl = await acceptWebhookUrl(
      c.var.config,
      c.var.resolver,
      request.webhook,
      apiKey.id,
    );
    // Every valid domain is a check: the batch takes them from the key's daily quota up front.
    const checkCount = batchItemsFor(request).filter((item) => item.status === "queued").length;
    const reservation = await reserveDailyCheck(
      c.env.DB,
      apiKey,
      Date.now(),
      Math.max(checkCount, 1),
    );
    let batch: Awaited<ReturnType<typeof createBatch>>;
    try {
      batch = await createBatch(c.env, request, { apiKeyId: apiKey.id, webhookUrl });
    } catch (error) {
      await reservation.release();
      throw error;
    }
    const location = `/api/v1/batches/${batch.id}`;
    c.header("Location", location);
    return c.json({ id: batch.id, status: "queued", total: batch.total, location }, 202);
  })
  .get("/:id", async (c) => {
    // A batch's results are its owner's: a list of a provider's customers and their weak spots.
    const apiKey = c.var.apiKey;
    if (!apiKey) throw new ApiKeyRequired("Reading a batch");
    const format = c.req.query("format");
    if (format !== undefined && format !== "csv" && format !== "json") {
      throw new BadRequest("invalid_format", 'format must be "json" or "csv"');
    }
    const db = openDatabase(c.env.DB);
    const id = c.req.param("id");
    const batch = await findBatch(db, id);
    // Another key's batch is answered as missing, so ids cannot be probed for existence.
    if (!batch || batch.apiKeyId !== apiKey.id) throw new NotFound(`no batch ${id} for this key`);
    if (wantsCsv(format, c.req.header("accept"))) {
      const csv = batchCsv(await listBatchItems(db, batch), checkReportPath);
      return c.body(csv, 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="relaywatch-batch-${batch.id}.csv"`,
      });
    }
    const query = BatchPageQuery.safeParse({
      page: c.req.query("page"),
      per_page: c.req.query("per_page"),
    });
    if (!query.success) {
      const issue = query.error.issues[0];
      throw new BadRequest("invalid_page", `${issue?.path.join(".")}: ${issue?.message}`);
    }
    const { page, per_page: perPage } = query.data;
    const [counts, items] = await Promise.all([
      countBatch(db, id),
      listBatchItems(db, batch, { limit: perPage, offset: (page - 1) * perPage }),
    ]);
    return c.json(batchReport(batch, counts, { page, perPage }, items));
  });
