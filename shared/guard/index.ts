/**
 * The target guard: decides, before any socket is opened, whether Relaywatch may connect to
 * an address and port. Pure functions with no I/O and no node: imports, so the coordinator
 * Worker and every probe node run the very same checks.
 */

export { DEFAULT_ALLOWED_PORTS } from "../smtp/ports.ts";
export { checkAddress, isLoopbackAddress } from "./address.ts";
export { type GuardCode, GuardError } from "./errors.ts";
export { type HostInput, parseHostInput } from "./host-input.ts";
export type { GuardPolicy } from "./policy.ts";
export { checkPort } from "./port.ts";
export { type CheckedTarget, checkTarget, guardedConnect } from "./target.ts";
