import { expect } from "vitest";
import { GuardError } from "../../shared/guard/index.ts";

/** The GuardError the action throws; fails the test when it throws anything else or nothing. */
export function refusalOf(action: () => unknown): GuardError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(GuardError);
    return error as GuardError;
  }
  throw new Error("expected a GuardError, but nothing was thrown");
}
