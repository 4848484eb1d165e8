import { reversedLabels, reverseName } from "../shared/dns/reverse-name.ts";
import { probeEhloName } from "../shared/node/ehlo-name.ts";
import type { LabTarget } from "../test/lab/lab.ts";

export const LAB_ZONE_ORIGIN = "lab.test";

/**
 * The AS the lab's servers live in (every lab target is on 127.0.0.1): the local network's
 * ap-northeast node is in it too, as a VPS at the provider that also hosts the customer's mail
 * server would be, so its vantages are `inside`.
 */
export const LAB_HOSTING_AS = { asn: 64510, network: "LAB-HOSTING" } as const;

/** An AS as Team Cymru's `AS<n>.asn.cymru.com` TXT describes it. */
function asNameRecord({ asn, network }: { asn: number; network: string }): string {
  return `AS${asn}.asn.cymru.com. 300 IN TXT "${asn} | ZZ | lab | 2026-01-01 | ${network}, ZZ"`;
}

/**
 * A zone file naming every lab target as a mail domain: `<target>.lab.test` has an MX
 * `mx.<target>.lab.test` pointing at 127.0.0.1, so domain checks work locally without DNS.
 * MX records carry no port, so a local domain check names the lab port in its request.
 * Team Cymru's IP-to-ASN records put 127.0.0.1 in LAB_HOSTING_AS and name the nodes' ASes.
 */
export function labZone(
  targets: LabTarget[],
  nodeNetworks: readonly { asn: number; network: string }[] = [],
): string {
  // Absolute names only: env files expand `$NAME`, so a `$ORIGIN` line would not survive.
  const lines: string[] = [
    `1.0.0.127.origin.asn.cymru.com. 300 IN TXT "${LAB_HOSTING_AS.asn} | 127.0.0.0/8 | ZZ | lab | 2026-01-01"`,
    ...[LAB_HOSTING_AS, ...nodeNetworks.filter((n) => n.asn !== LAB_HOSTING_AS.asn)].map(
      asNameRecord,
    ),
  ];
  for (const target of targets.filter((t) => t.kind !== "sink")) {
    const domain = `${target.name}.${LAB_ZONE_ORIGIN}.`;
    lines.push(`${domain} 300 IN MX 10 mx.${domain}`, `mx.${domain} 300 IN A 127.0.0.1`);
  }
  return `${lines.join("\n")}\n`;
}

/** The lab's DNS blocklist: the local network's DNSBL_ZONES, answering like a real one. */
export const LAB_DNSBL_ZONE = "dnsbl.lab.test";

export interface LabProbe {
  region: string;
  egress: readonly string[];
}

/**
 * The probes' part of the lab zone: each egress address's reverse DNS name (PTR to the node's
 * EHLO name, as the README asks operators to publish) and, for the `listed` addresses, an entry
 * in the lab blocklist (`127.0.0.2`, "listed" on every real DNSBL).
 */
export function labProbeZone(
  probes: readonly LabProbe[],
  listed: readonly string[],
  serviceDomain: string,
): string {
  const lines: string[] = [];
  for (const probe of probes) {
    for (const address of probe.egress) {
      lines.push(
        `${reverseName(address)}. 300 IN PTR ${probeEhloName(probe.region, serviceDomain)}.`,
      );
    }
  }
  for (const address of listed) {
    lines.push(`${reversedLabels(address)}.${LAB_DNSBL_ZONE}. 300 IN A 127.0.0.2`);
  }
  return `${lines.join("\n")}\n`;
}
