import { isInside } from "../../../../shared/dns/origin-asn.ts";
import {
  addPendingVantage,
  type Database,
  listVantages,
  type VantageRow,
} from "../db/repository.ts";
import type { CheckRow } from "../db/schema.ts";
import { type CoordinatorConfig, isPrivateChannel } from "../env.ts";
import { isPlannable, listNodes } from "../nodes/registry.ts";
import type { ProbeMessage } from "./messages.ts";
import { nodeReaches } from "./plan.ts";

/**
 * A vantage whose runtime verifies every certificate could not speak TLS with this server: the
 * address goes to a Node.js node of the registry as well, one that is active, healthy, may
 * reach it and is not planned for it yet, so a certificate no MTA would refuse does not leave
 * the address untested. Each such answer adds at most one vantage, and only Node.js nodes,
 * which never answer so, are added: the fan-out stays bounded by the number of Node.js nodes.
 */
export async function planCapableVantage(
  db: Database,
  config: CoordinatorConfig,
  queue: Queue<ProbeMessage>,
  check: CheckRow,
  untestable: VantageRow,
): Promise<void> {
  const planned = (await listVantages(db, untestable.checkId)).filter(
    (vantage) => vantage.mxHost === untestable.mxHost && vantage.address === untestable.address,
  );
  const candidates = (await listNodes(db)).filter(
    (node) =>
      node.runtime === "node" &&
      isPlannable(node) &&
      isPrivateChannel(node, config.allowLoopback) &&
      nodeReaches(node, untestable.address, untestable.port, config) &&
      !planned.some((vantage) => vantage.nodeId === node.id),
  );
  for (const node of candidates) {
    const vantage = {
      id: crypto.randomUUID(),
      mxHost: untestable.mxHost,
      mxPreference: untestable.mxPreference,
      address: untestable.address,
      port: untestable.port,
      nodeId: node.id,
      region: node.region,
      network: node.network,
      nodeAsn: node.asn,
      inside: isInside(check.mx?.origins?.[untestable.address], node.asn),
    };
    if (await addPendingVantage(db, untestable.checkId, vantage)) {
      await queue.send({ checkId: untestable.checkId, vantageId: vantage.id });
      return;
    }
  }
}
