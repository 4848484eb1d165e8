import { asc, eq, sql } from "drizzle-orm";
import { unwrapNodeSecret } from "../../../../shared/auth/secret-wrap.ts";
import type { RunLocation } from "../../../../shared/schemas/protocol.ts";
import { chunk, rowsPerInsert, runBatch } from "../db/batch.ts";
import type { Database } from "../db/client.ts";
import { type ProbeNodeRow, probeNodes } from "../db/schema.ts";
import type { CoordinatorConfig } from "../env.ts";
import { nodeRow } from "./node-row.ts";

/**
 * The probe node registry in D1 (see db/schema.ts probeNodes). The admin CLI writes it; the
 * coordinator reads it for every plan and job, so a node added, disabled or re-keyed takes
 * effect at once, without a redeploy.
 */

/** In the order the nodes were added (PROBE_NODES' order on bootstrap): planning keeps it. */
export async function listNodes(db: Database): Promise<ProbeNodeRow[]> {
  return db
    .select()
    .from(probeNodes)
    .orderBy(asc(sql`${probeNodes}.rowid`));
}

export async function findNode(db: Database, nodeId: string): Promise<ProbeNodeRow | null> {
  return (await db.select().from(probeNodes).where(eq(probeNodes.id, nodeId)).get()) ?? null;
}

/** The node's HMAC secret, unwrapped with NODE_SECRET_KEY. */
export async function nodeSecret(config: CoordinatorConfig, node: ProbeNodeRow): Promise<string> {
  return unwrapNodeSecret(config.nodeSecretKey, node.id, node.secretWrapped);
}

/**
 * The registry's nodes. On the first run (an empty registry) the nodes of PROBE_NODES and their
 * NODE_SECRETS are migrated into it; after that the registry alone counts and the vars are
 * ignored, so nodes are managed with the admin CLI.
 */
export async function loadRegistry(
  db: Database,
  config: CoordinatorConfig,
  now = Date.now(),
): Promise<ProbeNodeRow[]> {
  const nodes = await listNodes(db);
  if (nodes.length > 0 || config.bootstrapNodes.length === 0) return nodes;
  const key = config.nodeSecretKey;
  const rows = await Promise.all(
    config.bootstrapNodes.map((node) =>
      nodeRow(key, node, config.bootstrapSecrets[node.id] ?? "", now),
    ),
  );
  // Two first requests at once both find the registry empty: the later inserts do nothing.
  await runBatch(
    db,
    chunk(rows, rowsPerInsert(probeNodes)).map((some) =>
      db.insert(probeNodes).values(some).onConflictDoNothing({ target: probeNodes.id }),
    ),
  );
  return listNodes(db);
}

/**
 * The nodes an operator has not disabled, down or not: health-checked, published on
 * /about/probes and looked up in the DNS blocklists.
 */
export async function activeNodes(
  db: Database,
  config: CoordinatorConfig,
  now = Date.now(),
): Promise<ProbeNodeRow[]> {
  return (await loadRegistry(db, config, now)).filter((node) => node.state === "active");
}

/** Nodes that may be planned: active and not failing health checks (unknown counts as up). */
export function isPlannable(node: ProbeNodeRow): boolean {
  return node.state === "active" && node.health !== "down";
}

/** What a health check found: `up` with the node's declared job limit and where it runs. */
export type HealthOutcome =
  | { up: true; maxConcurrentJobs: number; location: RunLocation }
  | { up: false; error: string };

/** Records a health outcome: `up` with the node's declared job limit, or `down` with why. */
export async function recordHealth(
  db: Database,
  nodeId: string,
  outcome: HealthOutcome,
  now: number,
): Promise<void> {
  await db
    .update(probeNodes)
    .set(
      outcome.up
        ? {
            health: "up",
            healthError: null,
            healthCheckedAt: now,
            maxConcurrentJobs: outcome.maxConcurrentJobs,
            location: outcome.location,
          }
        : { health: "down", healthError: outcome.error.slice(0, 300), healthCheckedAt: now },
    )
    .where(eq(probeNodes.id, nodeId));
}

/** Takes a node out of planning at once when a job could not reach it (the cron brings it back). */
export async function markUnreachable(
  db: Database,
  nodeId: string,
  error: string,
  now: number,
): Promise<void> {
  await db
    .update(probeNodes)
    .set({ health: "down", healthError: error.slice(0, 300), healthCheckedAt: now })
    .where(sql`${probeNodes.id} = ${nodeId} and ${probeNodes.state} = 'active'`);
}
