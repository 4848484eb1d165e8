import { and, gt, inArray, isNull, lte, or } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { nodeListings } from "../db/schema.ts";

/**
 * Which nodes were on a DNS blocklist at a moment (node id -> zones): their refusals may be about
 * the listing, not about relaying, so reports mark them and the badge takes no evidence from them.
 */
export async function nodesListedAt(
  db: Database,
  nodeIds: readonly string[],
  at: number,
): Promise<Map<string, string[]>> {
  const listed = new Map<string, string[]>();
  // A check has a handful of nodes; the cap keeps the query under D1's parameter limit.
  const ids = [...new Set(nodeIds)].slice(0, 90);
  if (ids.length === 0) return listed;
  const rows = await db
    .selectDistinct({ nodeId: nodeListings.nodeId, zone: nodeListings.zone })
    .from(nodeListings)
    .where(
      and(
        inArray(nodeListings.nodeId, ids),
        lte(nodeListings.listedAt, at),
        or(isNull(nodeListings.delistedAt), gt(nodeListings.delistedAt, at)),
      ),
    )
    .orderBy(nodeListings.zone);
  for (const row of rows) listed.set(row.nodeId, [...(listed.get(row.nodeId) ?? []), row.zone]);
  return listed;
}
