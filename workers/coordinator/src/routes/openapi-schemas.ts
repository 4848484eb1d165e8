import { z } from "zod";
import { BatchItemStatus, BatchStatus } from "../../../../shared/schemas/batch.ts";
import { IsoTime } from "../../../../shared/schemas/check-report.ts";
import { Verdict } from "../../../../shared/schemas/probe-result.ts";

/*
 * Response shapes the API builds in code (the batch page) and that have no zod schema of their
 * own: described here for the OpenAPI document only. They are open objects
 * (no additionalProperties: false), so the API may add fields without breaking clients.
 */

export const BatchItem = z.object({
  position: z.number().int(),
  domain: z.string(),
  port: z.number().int().describe("the item's own port, else the batch's, else 25"),
  status: BatchItemStatus,
  checkId: z.string().nullable(),
  verdict: Verdict.nullable(),
  reason: z.string().nullable(),
  error: z.string().nullable().describe("why the item was refused, as `code: message`"),
  report: z.string().nullable().describe("the path of the item's check report, once started"),
});

const BatchCounts = z.object({
  queued: z.number().int(),
  started: z.number().int(),
  done: z.number().int(),
  refused: z.number().int(),
  open: z.number().int(),
  suspect: z.number().int(),
  closed: z.number().int(),
  inconclusive: z.number().int(),
});

export const BatchPage = z.object({
  id: z.string(),
  status: BatchStatus,
  total: z.number().int(),
  port: z.number().int().nullable().describe("the batch's port; null means 25"),
  counts: BatchCounts,
  createdAt: IsoTime,
  finishedAt: IsoTime.nullable(),
  page: z.number().int(),
  perPage: z.number().int(),
  pages: z.number().int(),
  items: z.array(BatchItem),
});
