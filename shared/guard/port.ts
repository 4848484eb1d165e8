import { isLoopbackAddress } from "./address.ts";
import { shown } from "./display.ts";
import { GuardError } from "./errors.ts";
import { allowedPortsOf, type GuardPolicy, loopbackAllowed } from "./policy.ts";

const HIGHEST_PORT = 65535;

/**
 * Checks the port for a target address. Loopback targets, when the policy allows them, may use
 * any port (local test servers listen wherever they can); every other target only the
 * policy's mail ports. The address itself is checked by checkAddress, not here.
 */
export function checkPort(port: number, address: string, policy: GuardPolicy): void {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > HIGHEST_PORT) {
    throw new GuardError(
      "port_not_allowed",
      `${shown(String(port))} is not a port number; ports are whole numbers from 1 to ${HIGHEST_PORT}`,
    );
  }
  if (loopbackAllowed(policy) && isLoopbackAddress(address)) return;
  const allowedPorts = allowedPortsOf(policy);
  if (!allowedPorts.includes(port)) {
    throw new GuardError(
      "port_not_allowed",
      `Port ${port} is not allowed; Relaywatch tests mail servers on ${portList(allowedPorts)}`,
    );
  }
}

function portList(ports: readonly number[]): string {
  const last = ports.at(-1);
  if (last === undefined) return "no ports in this configuration";
  if (ports.length === 1) return `port ${last}`;
  return `ports ${ports.slice(0, -1).join(", ")} and ${last}`;
}
