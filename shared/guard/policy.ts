/** SMTP (25), submission over implicit TLS (465), submission (587) and the common alternative 2525. */
export const DEFAULT_ALLOWED_PORTS: readonly number[] = Object.freeze([25, 465, 587, 2525]);

export interface GuardPolicy {
  /** Only local development and tests, by explicit configuration: loopback targets, on any port. */
  allowLoopback: boolean;
  /** Ports allowed for non-loopback targets. Default [25, 465, 587, 2525]. */
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
