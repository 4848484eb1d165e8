import { NodeHealth } from "../../../../shared/schemas/protocol.ts";
import { openDatabase } from "../db/repository.ts";
import type { ProbeNodeRow } from "../db/schema.ts";
import { type CoordinatorEnv, readConfig } from "../env.ts";
import { placementColo, signedNodeRequest } from "./call.ts";
import { activeNodes, type HealthOutcome, nodeSecret, recordHealth } from "./registry.ts";

/** A health answer is a few hundred bytes from a node that is not busy with it. */
const HEALTH_TIMEOUT_MS = 5_000;

async function probeHealth(
  env: CoordinatorEnv,
  node: ProbeNodeRow,
  secret: string,
): Promise<HealthOutcome> {
  try {
    const response = await signedNodeRequest(
      node,
      env as unknown as Record<string, unknown>,
      secret,
      "/v1/health",
      { method: "GET", body: "", timeoutMs: HEALTH_TIMEOUT_MS },
    );
    if (!response.ok) return { up: false, error: `/v1/health answered HTTP ${response.status}` };
    const health = NodeHealth.safeParse(await response.json());
    if (!health.success) return { up: false, error: "/v1/health answer does not fit the protocol" };
    if (health.data.node.nodeId !== node.id)
      return { up: false, error: `answered as node ${health.data.node.nodeId}` };
    // As for a probe's answer: a placed Worker's header is the better witness of where it ran.
    const colo = placementColo(response.headers);
    return {
      up: true,
      maxConcurrentJobs: health.data.node.maxConcurrentJobs,
      location: colo ? { kind: "colo", name: colo } : health.data.location,
    };
  } catch (error) {
    return { up: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The cron's health check: every active node's signed /v1/health. A node that fails is left out
 * of planning until it answers again; one that answers declares how many jobs it runs at once.
 */
export async function checkNodeHealth(env: CoordinatorEnv, now: number): Promise<void> {
  const config = readConfig(env);
  const db = openDatabase(env.DB);
  const nodes = await activeNodes(db, config, now);
  await Promise.all(
    nodes.map(async (node) => {
      const outcome = await probeHealth(env, node, await nodeSecret(config, node));
      await recordHealth(db, node.id, outcome, Date.now());
    }),
  );
}
