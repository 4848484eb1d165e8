/**
 * The target guard on addresses: every refused range, every spelling of a private address,
 * and the "no socket is opened" property. Addresses here are only parsed, never contacted.
 */
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  type CheckedTarget,
  checkAddress,
  checkTarget,
  type GuardCode,
  GuardError,
  type GuardPolicy,
  guardedConnect,
} from "../../shared/guard/index.ts";
import { refusalOf } from "./guard-refusal.ts";

const STRICT: GuardPolicy = { allowLoopback: false };
const LOCAL_DEVELOPMENT: GuardPolicy = { allowLoopback: true };
const PUBLIC_ONLY = /; Relaywatch only tests public mail servers$/;

/** One line, no control or invisible characters, no library jargon, short enough to read. */
function expectReadable(message: string): void {
  expect(message).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  expect(message).not.toMatch(/ipaddr:|undefined|NaN\.|\[object/);
  expect(message.length).toBeLessThan(300);
}

interface HostileAddress {
  input: string;
  code: GuardCode;
  message: RegExp;
}

const loopback = (input: string): HostileAddress => ({
  input,
  code: "forbidden_address",
  message: /means 127\.0\.0\.1, which is a loopback address \(127\.0\.0\.0\/8\)/,
});
const forbidden = (input: string, message: RegExp): HostileAddress => ({
  input,
  code: "forbidden_address",
  message,
});
const invalid = (
  input: string,
  message = /is not a valid IPv4 or IPv6 address/,
): HostileAddress => ({
  input,
  code: "invalid_address",
  message,
});

const LEGACY_IPV4_SPELLINGS: HostileAddress[] = [
  loopback("2130706433"),
  loopback("0177.0.0.1"),
  loopback("0x7f.0.0.1"),
  loopback("0X7F.0.0.1"),
  loopback("0x7f000001"),
  loopback("0x7f.0x0.0x0.0x1"),
  loopback("017700000001"),
  loopback("0177.1"),
  loopback("127.1"),
  loopback("127.0.1"),
  loopback("[127.1]"),
  forbidden("167772161", /means 10\.0\.0\.1, which is a private address \(10\.0\.0\.0\/8\)/),
  forbidden("012.0.0.1", /means 10\.0\.0\.1, which is a private address/),
  forbidden("0xa.0.0.1", /means 10\.0\.0\.1, which is a private address/),
  forbidden("10.1", /means 10\.0\.0\.1, which is a private address/),
  forbidden("0xac.16.0.1", /means 172\.16\.0\.1, which is a private address \(172\.16\.0\.0\/12\)/),
  forbidden(
    "3232235777",
    /means 192\.168\.1\.1, which is a private address \(192\.168\.0\.0\/16\)/,
  ),
  forbidden("0xc0a80101", /means 192\.168\.1\.1, which is a private address/),
  forbidden("192.168.257", /means 192\.168\.1\.1, which is a private address/),
  forbidden("2852039166", /means 169\.254\.169\.254, which is a link-local address/),
  forbidden("0xa9fea9fe", /means 169\.254\.169\.254, which is a link-local address/),
  forbidden("0251.0376.0251.0376", /means 169\.254\.169\.254, which is a link-local/),
  forbidden("0", /means 0\.0\.0\.0, which is an unspecified \("this network"\) address/),
  forbidden("0x0", /means 0\.0\.0\.0, which is an unspecified/),
  forbidden("4294967295", /means 255\.255\.255\.255, which is the broadcast address/),
  // A leading 0 is octal to inet_aton but ignored by other parsers (CVE-2021-28918): both
  // readings must be public.
  forbidden("010.0.0.1", /ambiguous: .*8\.0\.0\.1 .*, some as 10\.0\.0\.1, which is a private/),
  forbidden("010.8.8.8", /some as 10\.8\.8\.8, which is a private address/),
  forbidden("00000000000127.0.0.1", /some as 127\.0\.0\.1, which is a loopback address/),
];

const MALFORMED_ADDRESSES: HostileAddress[] = [
  invalid("", /^No address given$/),
  invalid("08.0.0.1"),
  invalid("4294967296"),
  invalid("1.2.3.256"),
  invalid("1.2.3.4.5"),
  invalid("127.0.0.1 "),
  invalid(" 8.8.8.8"),
  invalid("127.0.0.1\r\nRCPT TO:<victim@example.org>"),
  invalid("[127.0.0.1"),
  invalid("localhost"),
  invalid("8.8.8.8/32"),
  invalid("127.0.0.1:25"),
  invalid("\u0967\u0968\u096d.0.0.1"),
  invalid("::ffff:0177.0.0.1"),
  invalid("::ffff:0x7f.0.0.1"),
  invalid("1::2::3"),
  invalid("12345::1"),
  invalid("::1::"),
  invalid("0".repeat(70), /is too long to be an IP address/),
  invalid("fe80::1%eth0", /carries a zone id .*local network interface/),
  invalid("2001:4860:4860::8888%1", /carries a zone id/),
];

const EMBEDDED_IPV4: HostileAddress[] = [
  forbidden(
    "::ffff:127.0.0.1",
    /IPv4-mapped address \(::ffff:0:0\/96\) for 127\.0\.0\.1, which is a loopback/,
  ),
  forbidden("::ffff:7f00:1", /IPv4-mapped address .* for 127\.0\.0\.1, which is a loopback/),
  forbidden("::FFFF:7F00:0001", /IPv4-mapped address .* for 127\.0\.0\.1/),
  forbidden("0:0:0:0:0:ffff:7f00:1", /IPv4-mapped address .* for 127\.0\.0\.1/),
  forbidden("[::ffff:7f00:1]", /IPv4-mapped address .* for 127\.0\.0\.1/),
  forbidden("::ffff:10.0.0.1", /IPv4-mapped address .* for 10\.0\.0\.1, which is a private/),
  forbidden("::ffff:a00:1", /IPv4-mapped address .* for 10\.0\.0\.1, which is a private/),
  forbidden("::ffff:192.168.0.1", /for 192\.168\.0\.1, which is a private/),
  forbidden("::ffff:a9fe:a9fe", /for 169\.254\.169\.254, which is a link-local/),
  forbidden("::ffff:0.0.0.0", /for 0\.0\.0\.0, which is an unspecified/),
  forbidden(
    "::127.0.0.1",
    /IPv4-compatible address \(::\/96\) for 127\.0\.0\.1, which is a loopback/,
  ),
  forbidden("::7f00:1", /IPv4-compatible address .* for 127\.0\.0\.1/),
  forbidden("::10.0.0.1", /IPv4-compatible address .* for 10\.0\.0\.1, which is a private/),
  forbidden("::a00:1", /IPv4-compatible address .* for 10\.0\.0\.1/),
  forbidden("::ffff:0:127.0.0.1", /IPv4-translated address \(::ffff:0:0:0\/96\)/),
  forbidden(
    "64:ff9b::127.0.0.1",
    /NAT64 address \(64:ff9b::\/96\) for 127\.0\.0\.1, which is a loopback/,
  ),
  forbidden("64:ff9b::7f00:1", /NAT64 address .* for 127\.0\.0\.1/),
  forbidden("64:ff9b::10.0.0.1", /NAT64 address .* for 10\.0\.0\.1, which is a private/),
  forbidden("64:ff9b::a9fe:a9fe", /NAT64 address .* for 169\.254\.169\.254/),
  forbidden("64:ff9b:1::a00:1", /local-use NAT64 address \(64:ff9b:1::\/48\)/),
  forbidden("64:ff9b:1:a00:1::", /local-use NAT64 address .* for 10\.0\.1\.0, which is a private/),
  forbidden("2002:7f00:1::1", /6to4 address \(2002::\/16\) for 127\.0\.0\.1, which is a loopback/),
  forbidden("2002:a00:1::1", /6to4 address .* for 10\.0\.0\.1, which is a private/),
  forbidden("2002:c0a8:101::25", /6to4 address .* for 192\.168\.1\.1, which is a private/),
  forbidden("2002:a9fe:a9fe::", /6to4 address .* for 169\.254\.169\.254, which is a link-local/),
  forbidden("2002:6440:1::1", /6to4 address .* for 100\.64\.0\.1, which is a carrier-grade NAT/),
];

const IPV4_SPECIAL_RANGES: HostileAddress[] = [
  forbidden("127.0.0.1", /^127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8\)/),
  forbidden("127.255.255.254", /is a loopback address \(127\.0\.0\.0\/8\)/),
  forbidden("0.0.0.0", /is an unspecified \("this network"\) address \(0\.0\.0\.0\/8\)/),
  forbidden("0.1.2.3", /is an unspecified \("this network"\) address \(0\.0\.0\.0\/8\)/),
  forbidden("10.0.0.1", /is a private address \(10\.0\.0\.0\/8\)/),
  forbidden("10.255.255.255", /is a private address \(10\.0\.0\.0\/8\)/),
  forbidden("172.16.0.1", /is a private address \(172\.16\.0\.0\/12\)/),
  forbidden("172.31.255.255", /is a private address \(172\.16\.0\.0\/12\)/),
  forbidden("192.168.1.1", /is a private address \(192\.168\.0\.0\/16\)/),
  forbidden("100.64.0.1", /is a carrier-grade NAT address \(100\.64\.0\.0\/10\)/),
  forbidden("100.127.255.254", /is a carrier-grade NAT address/),
  forbidden("169.254.169.254", /is a link-local address \(169\.254\.0\.0\/16\)/),
  forbidden("224.0.0.1", /is a multicast address \(224\.0\.0\.0\/4\)/),
  forbidden("239.255.255.250", /is a multicast address/),
  forbidden("255.255.255.255", /is the broadcast address \(255\.255\.255\.255\/32\)/),
  forbidden("240.0.0.1", /is a reserved address \(240\.0\.0\.0\/4\)/),
  forbidden("254.1.2.3", /is a reserved address \(240\.0\.0\.0\/4\)/),
  forbidden("192.0.2.1", /is a documentation address \(192\.0\.2\.0\/24\)/),
  forbidden("198.51.100.7", /is a documentation address \(198\.51\.100\.0\/24\)/),
  forbidden("203.0.113.9", /is a documentation address \(203\.0\.113\.0\/24\)/),
  forbidden("198.18.0.1", /is a benchmarking address \(198\.18\.0\.0\/15\)/),
  forbidden("198.19.255.255", /is a benchmarking address/),
  forbidden("192.0.0.9", /is an IETF protocol assignment address \(192\.0\.0\.0\/24\)/),
  forbidden("192.88.99.1", /is a 6to4 relay anycast address \(192\.88\.99\.0\/24\)/),
  forbidden("192.31.196.1", /is an AS112 DNS sink address/),
  forbidden("192.175.48.6", /is an AS112 DNS sink address/),
  forbidden("192.52.193.1", /is an AMT relay anycast address/),
];

const IPV6_SPECIAL_RANGES: HostileAddress[] = [
  forbidden("::", /^:: is the unspecified address \(::\/128\)/),
  forbidden("::1", /^::1 is the loopback address \(::1\/128\)/),
  forbidden("0:0:0:0:0:0:0:1", /is the loopback address/),
  forbidden("[::1]", /^\[::1\] is the loopback address/),
  forbidden("fe80::1", /is a link-local address \(fe80::\/10\)/),
  forbidden("febf:ffff::1", /is a link-local address/),
  forbidden("fc00::1", /is a unique local \(private\) address \(fc00::\/7\)/),
  forbidden("fd12:3456:789a::1", /is a unique local \(private\) address/),
  forbidden("fec0::1", /is a site-local address \(fec0::\/10\)/),
  forbidden("ff02::1", /is a multicast address \(ff00::\/8\)/),
  forbidden("ff05::1:3", /is a multicast address/),
  forbidden("2001:db8::25", /is a documentation address \(2001:db8::\/32\)/),
  forbidden("3fff::1", /is a documentation address \(3fff::\/20\)/),
  forbidden("3fff:fff::1", /is a documentation address \(3fff::\/20\)/),
  forbidden("2001:2::1", /is a benchmarking address \(2001:2::\/48\)/),
  forbidden("2001:10::1", /is an ORCHID address \(2001:10::\/28\)/),
  forbidden("2001:20::1", /is an ORCHIDv2 address \(2001:20::\/28\)/),
  forbidden("2001:0:4136:e378:8000:63bf:3fff:fdd2", /is a Teredo tunnelling address/),
  forbidden("100::1", /is a discard-only address \(100::\/64\)/),
  forbidden("2001:1::1", /is an IETF protocol assignment address \(2001::\/23\)/),
  forbidden("2620:4f:8000::53", /is an AS112 DNS sink address \(2620:4f:8000::\/48\)/),
  forbidden("4000::1", /is not in the global unicast range \(2000::\/3\)/),
  forbidden("1::1", /is not in the global unicast range/),
];

const HOSTILE_ADDRESSES: HostileAddress[] = [
  ...LEGACY_IPV4_SPELLINGS,
  ...MALFORMED_ADDRESSES,
  ...EMBEDDED_IPV4,
  ...IPV4_SPECIAL_RANGES,
  ...IPV6_SPECIAL_RANGES,
];

describe("checkAddress refuses", () => {
  it.each(HOSTILE_ADDRESSES)("$input", ({ input, code, message }) => {
    const error = refusalOf(() => checkAddress(input, STRICT));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    if (code === "forbidden_address") expect(error.message).toMatch(PUBLIC_ONLY);
    expectReadable(error.message);
  });

  it("has at least 100 hostile addresses in its tables", () => {
    expect(HOSTILE_ADDRESSES.length).toBeGreaterThanOrEqual(100);
  });

  it("quotes hostile input with control characters escaped", () => {
    const error = refusalOf(() => checkAddress("1.2.3.4\r\nQUIT", STRICT));
    expect(error.message).toContain("1.2.3.4\\r\\nQUIT");
  });

  it("refuses non-string input from untyped callers", () => {
    const error = refusalOf(() => checkAddress(undefined as unknown as string, STRICT));
    expect(error.code).toBe("invalid_address");
  });
});

describe("checkAddress accepts public unicast and returns the text to connect to", () => {
  it.each([
    ["8.8.8.8", "8.8.8.8"],
    ["1.1.1.1", "1.1.1.1"],
    ["9.9.9.9", "9.9.9.9"],
    ["[8.8.8.8]", "8.8.8.8"],
    ["134744072", "8.8.8.8"],
    ["0x8.0x8.0x8.0x8", "8.8.8.8"],
    ["8.8.2056", "8.8.8.8"],
    ["::ffff:8.8.8.8", "8.8.8.8"],
    ["::ffff:808:808", "8.8.8.8"],
    ["::8.8.8.8", "8.8.8.8"],
    ["100.63.255.255", "100.63.255.255"],
    ["100.128.0.0", "100.128.0.0"],
    ["172.15.255.255", "172.15.255.255"],
    ["172.32.0.0", "172.32.0.0"],
    ["192.0.3.1", "192.0.3.1"],
    ["198.17.255.255", "198.17.255.255"],
    ["198.20.0.0", "198.20.0.0"],
    ["223.255.255.255", "223.255.255.255"],
    ["2606:4700::1111", "2606:4700::1111"],
    ["2606:4700:4700::1111", "2606:4700:4700::1111"],
    ["2001:4860:4860::8888", "2001:4860:4860::8888"],
    ["[2606:4700::1111]", "2606:4700::1111"],
    ["2606:4700:0000:0000:0000:0000:0000:1111", "2606:4700::1111"],
    ["2A00:1450:4001::1B", "2a00:1450:4001::1b"],
    ["2001:200::1", "2001:200::1"],
    ["64:ff9b::8.8.8.8", "64:ff9b::808:808"],
    ["2002:808:808::1", "2002:808:808::1"],
  ])("%s -> %s", (input, canonical) => {
    expect(checkAddress(input, STRICT)).toBe(canonical);
  });
});

describe("allowLoopback (local development and tests only)", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["127.0.0.2", "127.0.0.2"],
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::ffff:7f00:1", "127.0.0.1"],
    ["::127.0.0.1", "127.0.0.1"],
    ["64:ff9b::7f00:1", "64:ff9b::7f00:1"],
    ["2002:7f00:1::1", "2002:7f00:1::1"],
  ])("permits loopback %s on any port", (input, canonical) => {
    for (const port of [1, 25, 80, 2526, 8025, 65535]) {
      expect(checkTarget(input, port, LOCAL_DEVELOPMENT)).toEqual({ address: canonical, port });
    }
  });

  it.each([
    "10.0.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "::",
    "fe80::1",
    "fd00::1",
    "::ffff:10.0.0.1",
    "2002:a00:1::1",
    "010.0.0.1",
  ])("still refuses %s", (input) => {
    expect(refusalOf(() => checkAddress(input, LOCAL_DEVELOPMENT)).code).toBe("forbidden_address");
  });

  it("still refuses ports outside 1-65535 for loopback", () => {
    for (const port of [0, 65536, -1, 25.5, Number.NaN]) {
      expect(refusalOf(() => checkTarget("127.0.0.1", port, LOCAL_DEVELOPMENT)).code).toBe(
        "port_not_allowed",
      );
    }
  });

  it("still limits public targets to the mail ports", () => {
    expect(refusalOf(() => checkTarget("8.8.8.8", 80, LOCAL_DEVELOPMENT)).code).toBe(
      "port_not_allowed",
    );
  });

  it("opens only for the boolean true, not for truthy configuration values", () => {
    for (const truthy of ["true", "false", 1, {}]) {
      const policy = { allowLoopback: truthy } as unknown as GuardPolicy;
      expect(refusalOf(() => checkAddress("127.0.0.1", policy)).code).toBe("forbidden_address");
    }
  });
});

describe("no socket is opened for a refused target", () => {
  const fetchSpy = vi.spyOn(globalThis, "fetch");
  afterEach(() => {
    fetchSpy.mockClear();
  });
  afterAll(() => {
    fetchSpy.mockRestore();
  });

  it.each(HOSTILE_ADDRESSES)("never calls the connector for $input", ({ input, code }) => {
    const connector = vi.fn((target: CheckedTarget) => target);
    const error = refusalOf(() => guardedConnect(connector, input, 25, STRICT));
    expect(error.code).toBe(code);
    expect(connector).not.toHaveBeenCalled();
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("throws synchronously, before an asynchronous connector could start", () => {
    const connector = vi.fn(async (_target: CheckedTarget) => "socket");
    expect(() => guardedConnect(connector, "127.0.0.1", 25, STRICT)).toThrow(GuardError);
    expect(connector).not.toHaveBeenCalled();
  });

  it("never calls the connector for a public address on a refused port", () => {
    const connector = vi.fn();
    expect(refusalOf(() => guardedConnect(connector, "8.8.8.8", 80, STRICT)).code).toBe(
      "port_not_allowed",
    );
    expect(connector).not.toHaveBeenCalled();
  });

  it("calls the connector once, with the canonical address, for an accepted target", () => {
    const connector = vi.fn((target: CheckedTarget) => `connected to ${target.address}`);
    expect(guardedConnect(connector, "::ffff:808:808", 587, STRICT)).toBe("connected to 8.8.8.8");
    expect(connector).toHaveBeenCalledExactlyOnceWith({ address: "8.8.8.8", port: 587 });
  });
});
