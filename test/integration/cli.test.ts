import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDohServer, startDohServer } from "../../lab/doh-server.ts";
import { type RunningSim, startSim } from "../../lab/sim/index.ts";
import { LAB_CANARY_DOMAIN } from "../../shared/probe/defaults.ts";
import { CheckReport } from "../../shared/schemas/check-report.ts";

const BIN = fileURLToPath(new URL("../../bin/relaywatch.js", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function exitCode(error: (Error & { code?: unknown }) | null): number {
  if (!error) return 0;
  return typeof error.code === "number" ? error.code : -1;
}

function relaywatch(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: exitCode(error), stdout, stderr });
    });
  });
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal would. */
function relaywatchOnTerminal(...args: string[]): Promise<Run> {
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  return new Promise((resolve) => {
    execFile(
      "script",
      ["--quiet", "--return", "--command", command, "/dev/null"],
      { timeout: 60_000, env: { ...process.env, COLUMNS: "160", LINES: "50" } },
      (error, stdout, stderr) => resolve({ code: exitCode(error), stdout, stderr }),
    );
  });
}

/**
 * The lab's DNS for these tests, served over DoH on 127.0.0.1, so the CLI never asks a real name
 * server. `dual` has two MX hosts: the preferred one IPv4 only, the other IPv4 and IPv6, both on
 * a server that relays for IPv6 clients only.
 */
const ZONE = `
$ORIGIN lab.test.
dual          IN MX 10 mx1.dual
dual          IN MX 20 mx2.dual
mx1.dual      IN A 127.0.0.1
mx2.dual      IN A 127.0.0.1
mx2.dual      IN AAAA ::1
implicit      IN A 127.0.0.1
nullmx        IN MX 0 .
twice         IN MX 10 mx1.twice
twice         IN MX 20 mx2.twice
mx1.twice     IN A 127.0.0.1
mx2.twice     IN A 127.0.0.1
`;

/** `relaywatch check` of a lab server, with the lab's canary domain. */
function checkLab(sim: RunningSim, ...options: string[]) {
  return relaywatch(
    "check",
    "127.0.0.1",
    "--port",
    `${sim.port}`,
    "--canary-domain",
    LAB_CANARY_DOMAIN,
    ...options,
  );
}

let asip: RunningSim;
let secure: RunningSim;
let greylist: RunningSim;
let openRelay: RunningSim;
let refuseAtData: RunningSim;
let ipv6Trusted: RunningSim[];
let dns: RunningDohServer;
let dualPort: string;

beforeAll(async () => {
  [asip, secure, greylist, openRelay, refuseAtData, dns] = await Promise.all([
    startSim("asip62"),
    startSim("secure-no-pipelining"),
    startSim("greylist", { greylistDelaySec: 2 }),
    startSim("open-relay"),
    startSim("refuse-at-data"),
    startDohServer(ZONE),
  ]);
  // One server on both loopback addresses, as a dual-stack MX listens on both.
  const v4 = await startSim("ipv6-trusted");
  ipv6Trusted = [v4, await startSim("ipv6-trusted", { host: "::1", port: v4.port })];
  dualPort = `${v4.port}`;
});
afterAll(async () => {
  await Promise.all(
    [asip, secure, greylist, openRelay, refuseAtData, ...ipv6Trusted].map((sim) => sim.close()),
  );
  await dns.close();
});

describe("relaywatch check <address>", () => {
  it("reports the AppleShare IP hole, with the accepted case's transcript, and exits 1", async () => {
    const run = await checkLab(asip);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Host 127.0.0.1: tested directly as named");
    // The message went through at DATA: that, not the RCPT reply, decided the case.
    expect(run.stdout).toMatch(/bare-sender\s+accepted\s+data\s+250 .*; DATA 250 /);
    expect(run.stdout).toContain("Verdict: OPEN RELAY");
    expect(run.stdout).toContain("the message was taken at the end of DATA");
    expect(run.stdout).toContain("DATA step: on");
    expect(run.stdout).toContain("--no-data stops at RCPT");
    expect(run.stdout).toContain(">> MAIL FROM:<spamtest>");
    expect(run.stdout).toContain("<< 250 <spamtest@www.asip6x.example>... Sender OK");
  });

  it("sends DATA by default: RCPT accepted, message refused is closed, and says why", async () => {
    const run = await checkLab(refuseAtData);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/canary-sender\s+refused\s+data\s+250 2\.1\.5 Ok; DATA 554 5\.7\.1/);
    expect(run.stdout).toMatch(
      /null-sender\s+message-refused\s+data\s+250 .*accepted at RCPT, message refused \(sampled\)/,
    );
    expect(run.stdout).toContain("Verdict: closed");
    expect(run.stdout).toContain("3 accepted at RCPT but refused at DATA");
  });

  it("stops at RCPT with --no-data, and says the verdict rests on RCPT replies", async () => {
    const run = await checkLab(refuseAtData, "--no-data");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Verdict: OPEN RELAY");
    expect(run.stdout).toContain("the DATA step was off, so this rests on the RCPT reply");
    expect(run.stdout).toContain("DATA step: off (--no-data");
    expect(run.stdout).not.toContain("go on to DATA");
    expect(run.stdout).not.toContain(">> DATA");
    const json = await checkLab(refuseAtData, "--no-data", "--json");
    const report = CheckReport.parse(JSON.parse(json.stdout));
    const vantage = report.mxHosts[0]?.addresses[0]?.vantages[0];
    expect(report.verdict).toBe("open");
    expect(vantage?.cases.every((c) => c.step === "rcpt")).toBe(true);
  });

  it("exits 2 when nothing answers", async () => {
    const run = await relaywatch("check", "127.0.0.1", "--port", "1", "--timeout", "5");
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("Verdict: inconclusive");
    const json = await relaywatch("check", "127.0.0.1", "--port", "1", "--timeout", "5", "--json");
    expect(json.code).toBe(2);
    const report = CheckReport.parse(JSON.parse(json.stdout));
    // As the API says it: what the server did, and that it is no failure of its relay rules.
    expect(report.couldNotTest?.kind).toBe("unreachable");
    expect(report.mxHosts[0]?.addresses[0]?.vantages[0]?.couldNotTest?.kind).toBe("unreachable");
  });
});

describe("relaywatch check <domain>", () => {
  it("follows MX to every address and finds the server that relays over IPv6 only", async () => {
    const run = await relaywatch("check", "dual.lab.test", "--doh", dns.url, "--port", dualPort);
    expect(run.stdout).toContain("Domain dual.lab.test: following its MX records");
    expect(run.stdout).toContain("  MX 10 mx1.dual.lab.test: 127.0.0.1\n");
    expect(run.stdout).toContain("  MX 20 mx2.dual.lab.test: 127.0.0.1, ::1\n");
    expect(run.stdout).toMatch(
      /MX 10 mx1\.dual\.lab\.test\n {4}127\.0\.0\.1\s+closed\n {2}MX 20 mx2\.dual\.lab\.test\n {4}127\.0\.0\.1\s+closed\n {4}::1\s+OPEN RELAY\n/,
    );
    expect(run.stdout).toMatch(/Verdict: OPEN RELAY: .*\(mx2\.dual\.lab\.test ::1\)/);
    expect(run.code).toBe(1);
    // Not a terminal: no progress, nothing on stderr at all.
    expect(run.stderr).toBe("");
    expect(dns.queries).toEqual(
      expect.arrayContaining(["dual.lab.test MX", "mx2.dual.lab.test AAAA"]),
    );
  });

  it("with -4 tests only the IPv4 addresses, finds them closed, and says what it left out", async () => {
    const run = await relaywatch(
      "check",
      "dual.lab.test",
      "-4",
      "--doh",
      dns.url,
      "--port",
      dualPort,
    );
    expect(run.stdout).toContain("testing 2 addresses");
    expect(run.stdout).toContain("not tested: mx2.dual.lab.test ::1 (IPv6, not tested with -4)");
    expect(run.stdout).toContain("Verdict: closed");
    expect(run.code).toBe(0);
  });

  it("with -6 tests only the IPv6 address and finds it open", async () => {
    const run = await relaywatch(
      "check",
      "dual.lab.test",
      "-6",
      "--doh",
      dns.url,
      "--port",
      dualPort,
    );
    expect(run.stdout).toContain("testing 1 address on port");
    expect(run.stdout).toContain(
      "not tested: mx1.dual.lab.test 127.0.0.1 (IPv4, not tested with -6)",
    );
    expect(run.stdout).not.toContain("== mx1.dual.lab.test");
    expect(run.stdout).toContain("Verdict: OPEN RELAY");
    expect(run.code).toBe(1);
  });

  it("prints the API's report shape with --json, per MX host, address and vantage", async () => {
    const run = await relaywatch(
      "check",
      "dual.lab.test",
      "--doh",
      dns.url,
      "--port",
      dualPort,
      "--json",
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    const sent = JSON.parse(run.stdout);
    const parsed = CheckReport.safeParse(sent);
    expect(parsed.error?.issues ?? []).toEqual([]);
    // Every field the CLI prints is one the API documents, with the documented type.
    expect(parsed.data).toEqual(sent);
    const report = parsed.data as CheckReport;
    expect(report).toMatchObject({
      status: "done",
      kind: "domain",
      target: "dual.lab.test",
      domain: "dual.lab.test",
      port: Number(dualPort),
      verdict: "open",
      verdictLabel: "open (accepted, unconfirmed)",
    });
    const verdicts = report.mxHosts.map((mxHost) => [
      mxHost.host,
      mxHost.preference,
      mxHost.addresses.map((a) => [a.address, a.vantages.map((v) => v.verdict)]),
    ]);
    expect(verdicts).toEqual([
      ["mx1.dual.lab.test", 10, [["127.0.0.1", ["closed"]]]],
      [
        "mx2.dual.lab.test",
        20,
        [
          ["127.0.0.1", ["closed"]],
          ["::1", ["open"]],
        ],
      ],
    ]);
    const v6 = report.mxHosts[1]?.addresses[1]?.vantages[0];
    expect(v6?.cases.find((c) => c.id === "canary-sender")?.outcome).toBe("accepted");
    expect(v6?.transcript?.length).toBeGreaterThan(0);
  });

  it("tests a domain without MX as its own implicit MX", async () => {
    const run = await relaywatch(
      "check",
      "implicit.lab.test",
      "--doh",
      dns.url,
      "--port",
      `${secure.port}`,
    );
    expect(run.stdout).toContain(
      "Domain implicit.lab.test: it has no MX record, so the domain itself is its mail host (implicit MX",
    );
    expect(run.stdout).toContain("  implicit.lab.test: 127.0.0.1\n");
    expect(run.stdout).toContain("Verdict: closed");
    expect(run.code).toBe(0);
  });

  it.each([
    ["nullmx.lab.test", /nullmx\.lab\.test publishes a null MX \(RFC 7505\)/],
    ["no-such-domain.lab.test", /no-such-domain\.lab\.test does not exist in DNS/],
  ])("refuses %s with exit 68 and says why", async (domain, message) => {
    const run = await relaywatch("check", domain, "--doh", dns.url);
    expect(run.code).toBe(68);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it("sends at most 3 canary messages at the DATA step over all the addresses together", async () => {
    const run = await relaywatch(
      ...["check", "twice.lab.test", "--doh", dns.url, "--port", `${openRelay.port}`],
      ...["--canary-domain", LAB_CANARY_DOMAIN, "--json"],
    );
    expect(run.code).toBe(1);
    const report = CheckReport.parse(JSON.parse(run.stdout));
    const sentPerAddress = report.mxHosts.flatMap((mxHost) =>
      mxHost.addresses.map((a) => a.vantages[0]?.cases.filter((c) => c.data !== null).length ?? 0),
    );
    // Shared out up front, so that addresses tested side by side stay within 3 together.
    expect(sentPerAddress).toEqual([2, 1]);
  });

  it("exits 68 with the reason when the DoH server cannot be reached", async () => {
    const run = await relaywatch("check", "dual.lab.test", "--doh", "http://127.0.0.1:1/dns-query");
    expect(run.code).toBe(68);
    expect(run.stderr).toMatch(/^relaywatch: DNS query for dual\.lab\.test MX failed: /);
  });

  it("with --host tests the named server itself, not the MX of a domain by that name", async () => {
    const direct = await relaywatch(
      "check",
      "mx2.dual.lab.test",
      "--host",
      "-6",
      "--doh",
      dns.url,
      "--port",
      dualPort,
    );
    expect(direct.stdout).toContain(
      "Host mx2.dual.lab.test: tested directly as named, MX records not consulted",
    );
    expect(direct.code).toBe(1);
    const noAddress = await relaywatch("check", "dual.lab.test", "--host", "--doh", dns.url);
    expect(noAddress.code).toBe(68);
    expect(noAddress.stderr).toMatch(/cannot resolve dual\.lab\.test: no address/);
  });
});

describe("progress", () => {
  it("shows cases answered and the greylisting wait on a terminal, then the report", async () => {
    const run = await relaywatchOnTerminal("check", "127.0.0.1", "--port", `${greylist.port}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ {2}127\.0\.0\.1 +\d+\/29 cases answered/);
    expect(run.stdout).toMatch(/greylisted, retrying in \d+ s/);
    expect(run.stdout).toContain("Verdict: closed");
  });

  it("shows nothing but the JSON report with --json, even on a terminal", async () => {
    const run = await relaywatchOnTerminal(
      "check",
      "127.0.0.1",
      "--port",
      `${greylist.port}`,
      "--json",
    );
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("cases answered");
    expect(run.stdout).not.toContain("\x1b[");
    const report = CheckReport.parse(JSON.parse(run.stdout.replaceAll("\r\n", "\n")));
    expect(report).toMatchObject({ kind: "host", target: "127.0.0.1", verdict: "closed" });
  });
});

describe("usage", () => {
  it.each([
    [["check"], 64, /needs a domain or a host/],
    [["check", "127.0.0.1", "--port", "99999"], 64, /--port must be between 1 and 65535/],
    [["check", "127.0.0.1", "--port", "smtp"], 64, /--port needs a whole number/],
    [["check", "127.0.0.1", "--bogus"], 64, /Unknown option '--bogus'/],
    [["check", "127.0.0.1", "--cases", "nope"], 64, /unknown case id: nope/],
    [["check", "example.org", "-4", "-6"], 64, /-4 and -6 exclude each other/],
    [["check", "example.org", "--doh", "ftp://dns.example/q"], 64, /--doh needs the URL/],
    [["check", "user@example.org"], 64, /looks like an email address/],
    [
      ["check", "127.0.0.1", "--canary-domain", "not a domain"],
      64,
      /--canary-domain needs a domain/,
    ],
  ] as const)("rejects %j with exit %i and a clear message", async (args, code, message) => {
    const run = await relaywatch(...args);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });
});
