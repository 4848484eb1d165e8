import { z } from "zod";

/** One batch queue message: a slice of a batch's items, by position. */
export const BatchSliceMessage = z.object({
  batchId: z.string().min(1),
  positions: z.array(z.number().int().min(0)).min(1),
});
export type BatchSliceMessage = z.infer<typeof BatchSliceMessage>;

/**
 * Domains per message. Each start resolves DNS and writes the check, a few hundred ms; 25 keep
 * a consumer invocation well inside its time and subrequest limits even at max_batch_size 5.
 */
export const DOMAINS_PER_SLICE = 25;
