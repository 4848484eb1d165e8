import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  BatchPage,
  BatchPageQuery,
  CreateBatchRequest,
  CreateBatchResponse,
} from "../../../../shared/schemas/batch.ts";
import { ApiKeyRequired } from "../access/errors.ts";
import { reserveDailyCheck } from "../access/usage.ts";
import { createBatch } from "../batches/create.ts";
import { batchCsv } from "../batches/csv.ts";
import { batchItemsFor } from "../batches/items.ts";
import { countBatch, findBatch, listBatchItems } from "../batches/store.ts";
import { batchReport, checkReportPath } from "../batches/view.ts";
import type { AppContext } from "../context.ts";
import { openDatabase } from "../db/repository.ts";
import { NotFound } from "../errors.ts";
import { jsonBody, rejectInvalid } from "../validation.ts";
import { acceptWebhookUrl } from "../webhooks/request.ts";
import { component, createdResponse, errorResponses, jsonResponse } from "./openapi-document.ts";

/** A thousand domains of up to 253 characters are about 260 KB of JSON. */
const MAX_BATCH_BODY_BYTES = 512 * 1024;

const Page = component("BatchPage", BatchPage);

function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === "csv";
  return /\btext\/csv\b/i.test(accept ?? "");
}

export const batchesRoutes = new OpenAPIHono<AppContext>()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      operationId: "createBatch",
      security: [{ apiKey: [] }],
      summary: "Check up to 1,000 domains as one job, with an optional webhook",
      tags: ["batches"],
      middleware: [jsonBody(MAX_BATCH_BODY_BYTES)],
      request: {
        body: {
          required: true,
          content: {
            "application/json": { schema: component("CreateBatchRequest", CreateBatchRequest) },
          },
        },
      },
      responses: {
        202: createdResponse(
          component("CreateBatchResponse", CreateBatchResponse),
          "The batch was accepted",
        ),
        ...errorResponses(400, 415, 422, 503),
      },
    }),
    async (c) => {
      const apiKey = c.var.apiKey;
      if (!apiKey) throw new ApiKeyRequired("A batch");
      const request = c.req.valid("json");
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
      return c.json({ id: batch.id, status: "queued" as const, total: batch.total, location }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      operationId: "getBatch",
      security: [{ apiKey: [] }],
      summary: "A batch's items, a page at a time, as JSON or CSV",
      description:
        "Only with the API key that created the batch; any other key gets 404, as for a batch that does not exist.",
      tags: ["batches"],
      request: {
        params: z.object({ id: z.string().describe("the batch id") }),
        query: BatchPageQuery,
      },
      responses: {
        200: {
          ...jsonResponse(Page, "The page of items (JSON) or all of them (CSV)"),
          content: {
            "application/json": { schema: Page },
            "text/csv": { schema: z.string() },
          },
        },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      // A batch's results are its owner's: a list of a provider's customers and their weak spots.
      const apiKey = c.var.apiKey;
      if (!apiKey) throw new ApiKeyRequired("Reading a batch");
      const { format, page, per_page: perPage } = c.req.valid("query");
      const db = openDatabase(c.env.DB);
      const { id } = c.req.valid("param");
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
      const [counts, items] = await Promise.all([
        countBatch(db, id),
        listBatchItems(db, batch, { limit: perPage, offset: (page - 1) * perPage }),
      ]);
      return c.json(batchReport(batch, counts, { page, perPage }, items), 200);
    },
    rejectInvalid({ format: "invalid_format", page: "invalid_page", per_page: "invalid_page" }),
  );
