/** The target guard on ports, and checkTarget's order of checks. */
import { describe, expect, it } from "vitest";
import {
  checkPort,
  checkTarget,
  DEFAULT_ALLOWED_PORTS,
  type GuardPolicy,
} from "../../shared/guard/index.ts";
import { refusalOf } from "./guard-refusal.ts";

const STRICT: GuardPolicy = { allowLoopback: false };
const PUBLIC_ADDRESSES = ["8.8.8.8", "2606:4700::1111"];

function pairs(addresses: string[], ports: readonly number[]): [string, number][] {
  return addresses.flatMap((address) => ports.map((port): [string, number] => [address, port]));
}

describe("checkPort", () => {
  it("defaults to the mail ports 25, 465, 587 and 2525", () => {
    expect(DEFAULT_ALLOWED_PORTS).toEqual([25, 465, 587, 2525]);
    expect(Object.isFrozen(DEFAULT_ALLOWED_PORTS)).toBe(true);
  });

  it.each(pairs(PUBLIC_ADDRESSES, DEFAULT_ALLOWED_PORTS))("accepts %s port %i", (address, port) => {
    expect(() => checkPort(port, address, STRICT)).not.toThrow();
  });

  it.each(pairs(PUBLIC_ADDRESSES, [1, 24, 26, 80, 443, 2526, 65535]))(
    "refuses %s port %i, naming the ports it tests",
    (address, port) => {
      const error = refusalOf(() => checkPort(port, address, STRICT));
      expect(error.code).toBe("port_not_allowed");
      expect(error.message).toBe(
        `Port ${port} is not allowed; Relaywatch tests mail servers on ports 25, 465, 587 and 2525`,
      );
    },
  );

  it.each([
    [0, /^0 is not a port number; ports are whole numbers from 1 to 65535$/],
    [65536, /^65536 is not a port number/],
    [-1, /^-1 is not a port number/],
    [25.5, /^25\.5 is not a port number/],
    [Number.NaN, /^NaN is not a port number/],
    [Number.POSITIVE_INFINITY, /^Infinity is not a port number/],
    ["25", /^25 is not a port number/],
    [null, /^null is not a port number/],
    [undefined, /^undefined is not a port number/],
  ])("refuses %s as not a port number", (port, message) => {
    for (const address of PUBLIC_ADDRESSES) {
      const error = refusalOf(() => checkPort(port as number, address, STRICT));
      expect(error.code).toBe("port_not_allowed");
      expect(error.message).toMatch(message);
    }
  });

  it("uses the policy's own port list", () => {
    const policy: GuardPolicy = { allowLoopback: false, allowedPorts: [2525] };
    expect(() => checkPort(2525, "8.8.8.8", policy)).not.toThrow();
    expect(refusalOf(() => checkPort(25, "8.8.8.8", policy)).message).toBe(
      "Port 25 is not allowed; Relaywatch tests mail servers on port 2525",
    );
    const closed: GuardPolicy = { allowLoopback: false, allowedPorts: [] };
    expect(refusalOf(() => checkPort(25, "8.8.8.8", closed)).message).toMatch(/no ports/);
  });

  it("gives loopback no port exemption unless the policy allows loopback", () => {
    expect(refusalOf(() => checkPort(8025, "127.0.0.1", STRICT)).code).toBe("port_not_allowed");
    expect(() => checkPort(8025, "127.0.0.1", { allowLoopback: true })).not.toThrow();
  });
});

describe("checkTarget", () => {
  it("checks the address before the port", () => {
    expect(refusalOf(() => checkTarget("10.0.0.1", 80, STRICT)).code).toBe("forbidden_address");
    expect(refusalOf(() => checkTarget("not an address", 0, STRICT)).code).toBe("invalid_address");
  });

  it("returns the canonical address with the port", () => {
    expect(checkTarget("::ffff:1.1.1.1", 465, STRICT)).toEqual({ address: "1.1.1.1", port: 465 });
    expect(checkTarget("[2606:4700::1111]", 25, STRICT)).toEqual({
      address: "2606:4700::1111",
      port: 25,
    });
  });
});
