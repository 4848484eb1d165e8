import type { LabTarget } from "../test/lab/lab.ts";

export const LAB_ZONE_ORIGIN = "lab.test";

/**
 * A zone file naming every lab target as a mail domain: `<target>.lab.test` has an MX
 * `mx.<target>.lab.test` pointing at 127.0.0.1, so domain checks work locally without DNS.
 * MX records carry no port, so a local domain check names the lab port in its request. A target
 * with `mxHosts` (two-mx) gets those hosts and addresses instead.
 */
export function labZone(targets: LabTarget[]): string {
  // Absolute names only: env files expand `$NAME`, so a `$ORIGIN` line would not survive.
  const lines: string[] = [];
  for (const target of targets.filter((t) => t.kind !== "sink")) {
    const domain = `${target.name}.${LAB_ZONE_ORIGIN}.`;
    if (target.mxHosts) {
      for (const mxHost of target.mxHosts) {
        const host = `${mxHost.label}.${domain}`;
        lines.push(`${domain} 300 IN MX ${mxHost.preference} ${host}`);
        for (const address of mxHost.addresses)
          lines.push(`${host} 300 IN ${address.includes(":") ? "AAAA" : "A"} ${address}`);
      }
      continue;
    }
    lines.push(`${domain} 300 IN MX 10 mx.${domain}`, `mx.${domain} 300 IN A 127.0.0.1`);
  }
  return `${lines.join("\n")}\n`;
}
