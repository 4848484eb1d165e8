import { z } from "zod";

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
const BatchDomain = z.union([
  BatchDomainName,
  z
    .object({
      domain: BatchDomainName,
      /** Test this domain's MX hosts on this port; absent means the batch's `port`. */
      port: Port.optional(),
    })
    .strict(),
]);

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

export const BatchPageQuery = z.object({
  page: PositiveIntegerText.default(1),
  per_page: PositiveIntegerText.pipe(z.number().max(MAX_PER_PAGE)).default(DEFAULT_PER_PAGE),
});
export type BatchPageQuery = z.infer<typeof BatchPageQuery>;
