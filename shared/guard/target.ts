import { checkAddress } from "./address.ts";
import type { GuardPolicy } from "./policy.ts";
import { checkPort } from "./port.ts";

/** A target that passed the guard: the canonical address and the port to connect to. */
export interface CheckedTarget {
  address: string;
  port: number;
}

/** Checks address, then port. Throws GuardError. */
export function checkTarget(address: string, port: number, policy: GuardPolicy): CheckedTarget {
  const checkedAddress = checkAddress(address, policy);
  checkPort(port, checkedAddress, policy);
  return { address: checkedAddress, port };
}

/**
 * Calls `connect` with the checked target, or throws GuardError without calling it. The check
 * is synchronous and does no I/O, so a refused target never reaches a socket, even when
 * `connect` is asynchronous.
 */
export function guardedConnect<Result>(
  connect: (target: CheckedTarget) => Result,
  address: string,
  port: number,
  policy: GuardPolicy,
): Result {
  return connect(checkTarget(address, port, policy));
}
