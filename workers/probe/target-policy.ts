import { checkTarget, GuardError, isLoopbackAddress } from "../../shared/guard/index.ts";
import type { NodeIdentity } from "../../shared/schemas/protocol.ts";
import { SMTP_PORT } from "../../shared/smtp/ports.ts";
import { ForbiddenAddress, InvalidJob, PortNotAllowed } from "./errors.ts";

function portRefusal(identity: NodeIdentity, port: number): string {
  const reachable = identity.allowedPorts.join(", ");
  if (identity.runtime === "cloudflare" && port === SMTP_PORT) {
    return `this node runs on Cloudflare, which forbids outbound port 25; it may reach ${reachable}`;
  }
  return `this node may reach ports ${reachable}, not ${port}`;
}

/**
 * Decides whether this node may connect to a job's target, before any socket exists. The port
 * is checked first, from the node's own configuration alone, so a job for a port the node
 * cannot serve is refused the same way whatever its address. Loopback targets, allowed only on
 * development nodes, may use any port: lab servers listen on ephemeral ports.
 */
export function admitTarget(
  identity: NodeIdentity,
  target: { address: string; port: number },
): { address: string; port: number } {
  const loopbackExempt = identity.loopbackAllowed && isLoopbackAddress(target.address);
  if (!loopbackExempt && !identity.allowedPorts.includes(target.port)) {
    throw new PortNotAllowed(portRefusal(identity, target.port));
  }
  try {
    return checkTarget(target.address, target.port, {
      allowLoopback: identity.loopbackAllowed,
      allowedPorts: identity.allowedPorts,
    });
  } catch (error) {
    if (!(error instanceof GuardError)) throw error;
    if (error.code === "forbidden_address") throw new ForbiddenAddress(error.message);
    if (error.code === "port_not_allowed") throw new PortNotAllowed(error.message);
    throw new InvalidJob(error.message);
  }
}
