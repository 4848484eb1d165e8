/**
 * The systemd unit of the Node.js probe node: its outbound address restrictions must cover every
 * block the product's guard refuses (the kernel's second line behind the guard), and nothing
 * may switch them off.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { IPV4_SPECIAL_RANGES, IPV6_SPECIAL_RANGES } from "../../shared/guard/ranges.ts";

const UNIT_PATH = fileURLToPath(
  new URL("../../workers/probe/relaywatch-probe-node.service", import.meta.url),
);
const unit = readFileSync(UNIT_PATH, "utf8");
const settings = (name: string) =>
  unit
    .split("\n")
    .filter((line) => line.startsWith(`${name}=`))
    .flatMap((line) => line.slice(name.length + 1).split(/\s+/))
    .filter(Boolean);
const denied = settings("IPAddressDeny").map((cidr) => ipaddr.parseCIDR(cidr));

function isDenied(cidr: string): boolean {
  const [network, prefixLength] = ipaddr.parseCIDR(cidr);
  return denied.some(
    ([block, blockLength]) =>
      block.kind() === network.kind() &&
      blockLength <= prefixLength &&
      network.match([block, blockLength] as never),
  );
}

const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

describe("relaywatch-probe-node.service", () => {
  it("denies every IPv4 block the guard refuses", () => {
    const missing = IPV4_SPECIAL_RANGES.map((range) => range.cidr).filter(
      (cidr) => !isDenied(cidr),
    );
    expect(missing).toEqual([]);
  });

  it("denies every IPv6 block the guard refuses outright, and mapped and NAT64 forms", () => {
    // 6to4 (2002::/16) is judged by the IPv4 address inside it, which the kernel cannot read:
    // the guard alone decides it.
    const judgedByGuardAlone = ["2002::/16"];
    const missing = IPV6_SPECIAL_RANGES.map((range) => range.cidr).filter(
      (cidr) => !judgedByGuardAlone.includes(cidr) && !isDenied(cidr),
    );
    expect(missing).toEqual([]);
    for (const address of ["::1", "::ffff:10.0.0.5", "fd00::1", "fe80::1", "ff02::1"]) {
      expect(isDenied(`${address}/128`), address).toBe(true);
    }
  });

  it("leaves public addresses open and has no IPAddressAllow=, which would override the list", () => {
    for (const address of ["8.8.8.8/32", "1.1.1.1/32", "2a00:1450:4001::1a/128"]) {
      expect(isDenied(address), address).toBe(false);
    }
    expect(settings("IPAddressAllow")).toEqual([]);
  });

  it("runs the Node.js bundle as a dynamic user, listening on a Unix socket", () => {
    expect(settings("ExecStart")).toEqual(["/usr/bin/node", "/opt/relaywatch/probe-node.js"]);
    expect(settings("Environment")).toEqual(["PROBE_LISTEN=/run/relaywatch-probe-node/http.sock"]);
    expect(settings("DynamicUser")).toEqual(["yes"]);
    expect(settings("RestrictAddressFamilies")).toEqual(["AF_INET", "AF_INET6", "AF_UNIX"]);
  });

  it.skipIf(!hasSystemdAnalyze)("is a unit systemd accepts, every address prefix valid", () => {
    const verify = spawnSync("systemd-analyze", ["verify", UNIT_PATH], { encoding: "utf8" });
    const complaints = `${verify.stdout}${verify.stderr}`
      .split("\n")
      .filter((line) => /ignoring|invalid|unknown/i.test(line));
    expect(complaints).toEqual([]);
  });
});
