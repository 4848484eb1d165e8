import { wrapNodeSecret } from "../../../../shared/auth/secret-wrap.ts";
import type { VantageNode } from "../../../../shared/schemas/protocol.ts";
import type { NewProbeNodeRow } from "../db/schema.ts";

/**
 * A registry row for a node, its secret wrapped; shared by the PROBE_NODES bootstrap and the
 * admin CLI (no Workers types here: the CLI runs it under Node).
 */
export async function nodeRow(
  key: string,
  node: VantageNode,
  secret: string,
  now: number,
): Promise<NewProbeNodeRow> {
  return {
    id: node.id,
    region: node.region,
    site: node.site ?? node.region,
    asn: node.asn,
    network: node.network,
    url: node.url ?? null,
    binding: node.binding ?? null,
    ports: node.ports,
    egress: node.egress ?? [],
    runtime: node.runtime,
    state: "active",
    maxConcurrentJobs: node.maxConcurrentJobs,
    secretWrapped: await wrapNodeSecret(key, node.id, secret),
    health: "unknown",
    createdAt: now,
    updatedAt: now,
  };
}
