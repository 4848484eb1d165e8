import type { BatchCounts, BatchPage } from "../../../../shared/schemas/batch.ts";
import type { BatchRow } from "../db/schema.ts";
import type { BatchItemView } from "./store.ts";

export function checkReportPath(checkId: string): string {
  return `/api/v1/checks/${checkId}`;
}

/** The public JSON of a batch with one page of its items. */
export function batchReport(
  batch: BatchRow,
  counts: BatchCounts,
  page: { page: number; perPage: number },
  items: readonly BatchItemView[],
): BatchPage {
  return {
    id: batch.id,
    status: batch.status,
    total: batch.total,
    port: batch.port,
    counts,
    createdAt: new Date(batch.createdAt).toISOString(),
    finishedAt: batch.finishedAt ? new Date(batch.finishedAt).toISOString() : null,
    page: page.page,
    perPage: page.perPage,
    pages: Math.max(1, Math.ceil(batch.total / page.perPage)),
    items: items.map((item) => ({
      ...item,
      report: item.checkId ? checkReportPath(item.checkId) : null,
    })),
  };
}
