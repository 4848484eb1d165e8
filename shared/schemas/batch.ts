import { z } from "zod";
import { IsoTime } from "./check-report.ts";
import { Verdict } from "./probe-result.ts";

/** The public API's batch shapes: many domains checked as one job. */

export const MAX_BATCH_DOMAINS = 1000;
export const MAX_WEBHOOK_URL_LENGTH = 2048;

const Port = z.number().int().min(1).max(65_535);

/**
 * Names are only bounded here: each is judged on its own later, and an invalid one becomes a
 * refused item rather than failing the whole batch. The same goes for a port: whether it may be
 * tested depends on the addresses the name resolves to, so a refused one is a refused item too.
 */
const BatchDomainName = z.string().max(1024);

/** One domain of a batch: a bare name, or a name with the port to test it on. */
const BatchDomain = z.union(
  [
    BatchDomainName,
    z
      .object({
        domain: BatchDomainName,
        /** Test this domain's MX hosts on this port; absent means the batch's `port`. */
        port: Port.optional(),
      })
      .strict(),
  ],
  { error: 'each domain is a name or {"domain": "...", "port": 587}' },
);

export const CreateBatchRequest = z
  .object({
    domains: z.array(BatchDomain).min(1).max(MAX_BATCH_DOMAINS),
    /** Test every MX of every domain without a port of its own on this port instead of 25. */
    port: Port.optional(),
    /** Called once with a summary when the last domain's check finishes. */
    webhook: z.url().max(MAX_WEBHOOK_URL_LENGTH).optional(),
  })
  .strict();
export type CreateBatchRequest = z.infer<typeof CreateBatchRequest>;

export const BatchStatus = z.enum(["queued", "running", "done"]);
export type BatchStatus = z.infer<typeof BatchStatus>;

export const BatchItemStatus = z.enum(["queued", "started", "done", "refused"]);
export type BatchItemStatus = z.infer<typeof BatchItemStatus>;

export const CreateBatchResponse = z.object({
  id: z.string(),
  status: BatchStatus,
  total: z.number().int(),
  location: z.string(),
});
export type CreateBatchResponse = z.infer<typeof CreateBatchResponse>;

/** Items per page of GET /api/v1/batches/{id}. */
export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 500;

const PositiveIntegerText = z
  .string()
  .regex(/^[1-9]\d{0,5}$/, { message: "expected a positive whole number" })
  .transform(Number);

/** GET /api/v1/batches/{id}'s query: `format` first, so a bad format is the error reported. */
export const BatchPageQuery = z.object({
  format: z
    .enum(["json", "csv"])
    .optional()
    .describe("`csv` for every item as CSV, without paging; default JSON (or `Accept: text/csv`)"),
  page: PositiveIntegerText.default(1),
  per_page: PositiveIntegerText.pipe(z.number().max(MAX_PER_PAGE))
    .default(DEFAULT_PER_PAGE)
    .describe(`items per page, at most ${MAX_PER_PAGE}`),
});
export type BatchPageQuery = z.infer<typeof BatchPageQuery>;

/*
 * The batch page is an open object (no additionalProperties: false), so the API may add fields
 * without breaking clients.
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
export type BatchItem = z.infer<typeof BatchItem>;

export const BatchCounts = z.object({
  queued: z.number().int(),
  started: z.number().int(),
  done: z.number().int(),
  refused: z.number().int(),
  open: z.number().int(),
  suspect: z.number().int(),
  closed: z.number().int(),
  inconclusive: z.number().int(),
});
export type BatchCounts = z.infer<typeof BatchCounts>;

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
export type BatchPage = z.infer<typeof BatchPage>;
