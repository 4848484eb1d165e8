import { reversedLabels, reverseName } from "../shared/dns/reverse-name.ts";
import { probeEhloName } from "../shared/node/ehlo-name.ts";
import type { LabTarget } from "../test/lab/lab.ts";
import {
  verificationName,
  verificationValue,
} from "../workers/coordinator/src/badge/listing-record.ts";

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

/** Team Cymru's `origin.asn.cymru.com` TXT putting a lab IPv4 address in LAB_HOSTING_AS. */
function originRecord(address: string): string {
  const reversed = address.split(".").reverse().join(".");
  return `${reversed}.origin.asn.cymru.com. 300 IN TXT "${LAB_HOSTING_AS.asn} | 127.0.0.0/8 | ZZ | lab | 2026-01-01"`;
}

/** A lab domain listed by its owner: the badge is about the lab server's port, not 25. */
export interface LabListing {
  domain: string;
  token: string;
  port: number;
}

/**
 * Lists every lab domain as its owner would (POST /api/v1/public-list with its port, then the
 * TXT record): lab servers listen on high ports, and a badge speaks of port 25 unless the
 * owner's verified listing names another.
 */
export function labListings(targets: LabTarget[], newToken: () => string): LabListing[] {
  return targets
    .filter((t) => t.kind !== "sink")
    .map((t) => ({ domain: `${t.name}.${LAB_ZONE_ORIGIN}`, token: newToken(), port: t.port }));
}

/**
 * A zone file naming every lab target as a mail domain: `<target>.lab.test` has an MX
 * `mx.<target>.lab.test` pointing at 127.0.0.1, so domain checks work locally without DNS.
 * MX records carry no port, so a local domain check names the lab port in its request. A target
 * with `mxHosts` (two-mx) gets those hosts and addresses instead.
 * Team Cymru's IP-to-ASN records put 127.0.0.1 (and two-mx's other loopback addresses) in
 * LAB_HOSTING_AS and name the nodes' ASes. Each listing's owner TXT record is published too.
 */
export function labZone(
  targets: LabTarget[],
  nodeNetworks: readonly { asn: number; network: string }[] = [],
  listings: readonly LabListing[] = [],
): string {
  // Absolute names only: env files expand `$NAME`, so a `$ORIGIN` line would not survive.
  const lines: string[] = [
    originRecord("127.0.0.1"),
    ...[LAB_HOSTING_AS, ...nodeNetworks.filter((n) => n.asn !== LAB_HOSTING_AS.asn)].map(
      asNameRecord,
    ),
  ];
  for (const target of targets.filter((t) => t.kind !== "sink")) {
    const domain = `${target.name}.${LAB_ZONE_ORIGIN}.`;
    if (target.mxHosts) {
      for (const mxHost of target.mxHosts) {
        const host = `${mxHost.label}.${domain}`;
        lines.push(`${domain} 300 IN MX ${mxHost.preference} ${host}`);
        for (const address of mxHost.addresses) {
          lines.push(`${host} 300 IN ${address.includes(":") ? "AAAA" : "A"} ${address}`);
          if (!address.includes(":") && address !== "127.0.0.1") lines.push(originRecord(address));
        }
      }
      continue;
    }
    lines.push(`${domain} 300 IN MX 10 mx.${domain}`, `mx.${domain} 300 IN A 127.0.0.1`);
  }
  for (const { domain, token, port } of listings) {
    lines.push(`${verificationName(domain)}. 300 IN TXT "${verificationValue(token, port)}"`);
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
