/**
 * The EHLO name of a probe node: `probe-<region>.<service domain>`. It names the service, so a
 * mail administrator who finds it in a log finds who we are; the region tells our vantages apart.
 * The node says it in EHLO and reports it in its identity; the coordinator shows it on
 * /about/probes. Its DNS records (A/AAAA to the node's egress, matching PTR) are the operator's.
 */
export function probeEhloName(region: string, serviceDomain: string): string {
  return `probe-${region}.${serviceDomain}`;
}
