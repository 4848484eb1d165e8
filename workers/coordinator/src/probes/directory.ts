import { isNull } from "drizzle-orm";
import { probeEhloName } from "../../../../shared/probe/ehlo-name.ts";
import { PROBE_DEFAULTS } from "../../../../shared/probe/request.ts";
import type { ProbeDirectory } from "../../../../shared/schemas/api.ts";
import { openDatabase } from "../db/client.ts";
import { nodeEgress, nodeListings, type ProbeNodeRow } from "../db/schema.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { activeNodes } from "../nodes/registry.ts";
import { OPT_OUT_CACHE_SECONDS } from "../optout/dns-lookup.ts";
import { OPT_OUT_RECORD } from "../optout/record.ts";
import { PROOF_MAX_MESSAGES_PER_CHECK, PROOF_MAX_MESSAGES_PER_VANTAGE } from "../proof/policy.ts";

/**
 * Who we are, for /about/probes and GET /api/v1/probes: every active node of the registry, with
 * the EHLO name it uses, its egress addresses, their reverse DNS and current blocklist listings
 * as the daily lookup last saw them, and the limits every check and every node keeps.
 */
export async function probeDirectory(
  env: CoordinatorEnv,
  config: CoordinatorConfig,
): Promise<ProbeDirectory> {
  const service = config.service;
  const db = openDatabase(env.DB);
  const [nodes, egressRows, listingRows] = await Promise.all([
    activeNodes(db, config),
    db.select().from(nodeEgress),
    db.select().from(nodeListings).where(isNull(nodeListings.delistedAt)),
  ]);
  const egressOf = (node: ProbeNodeRow) =>
    node.egress.map((address) => {
      const row = egressRows.find((r) => r.nodeId === node.id && r.address === address);
      return {
        address,
        reverseName: row?.reverseName ?? null,
        checkedAt: row ? new Date(row.checkedAt).toISOString() : null,
        listedOn: listingRows
          .filter((l) => l.nodeId === node.id && l.address === address)
          .map((l) => ({
            zone: l.zone,
            answer: l.answer,
            since: new Date(l.listedAt).toISOString(),
          })),
      };
    });
  return {
    service: {
      domain: service.serviceDomain,
      abuseContact: service.abuseContact,
      canaryDomain: service.canaryDomain,
    },
    optOut: {
      domainRecord: `_relaywatch.<domain> TXT "${OPT_OUT_RECORD}"`,
      addressRecord: `_relaywatch.<reverse name of the address> TXT "${OPT_OUT_RECORD}"`,
      honouredWithinSeconds: OPT_OUT_CACHE_SECONDS,
    },
    budget: {
      // The per-target budget every probe run keeps (shared/probe/pace.ts holds it).
      connectionsPerAddress: PROBE_DEFAULTS.maxTotalConnections,
      connectionsAtOnce: PROBE_DEFAULTS.maxConnections,
      canaryMessagesPerVantage: PROOF_MAX_MESSAGES_PER_VANTAGE,
      canaryMessagesPerCheck: PROOF_MAX_MESSAGES_PER_CHECK,
    },
    caps: config.nodeCaps,
    probes: nodes.map((node) => {
      const egress = egressOf(node);
      return {
        id: node.id,
        region: node.region,
        site: node.site,
        location: node.location,
        runtime: node.runtime,
        network: node.network,
        asn: node.asn,
        ports: node.ports,
        maxConcurrentChecks: node.maxConcurrentJobs,
        ehloName: probeEhloName(node.region, service.serviceDomain),
        egress,
        listed: egress.some((e) => e.listedOn.length > 0),
      };
    }),
  };
}
