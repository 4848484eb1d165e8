import { DEFAULT_ALLOWED_PORTS } from "../smtp/ports.ts";

export interface GuardPolicy {
  /** Only local development and tests, by explicit configuration: loopback targets, on any port. */
  allowLoopback: boolean;
  /** Ports allowed for non-loopback targets. Default: DEFAULT_ALLOWED_PORTS. */
  allowedPorts?: readonly number[];
}

/**
 * Only the boolean `true` opens loopback: a policy assembled from environment variables or
 * JSON could carry "false" or 1, and a truthy mistake must not open the guard.
 */
export function loopbackAllowed(policy: GuardPolicy): boolean {
  return policy.allowLoopback === true;
}

export function allowedPortsOf(policy: GuardPolicy): readonly number[] {
  return policy.allowedPorts ?? DEFAULT_ALLOWED_PORTS;
}
