import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAB_CANARY_DOMAIN } from "../../shared/probe/defaults.ts";
import { ProbeResult } from "../../shared/schemas/probe-result.ts";
import { type RunningSim, startSim } from "../lab/sim/index.ts";

const BIN = fileURLToPath(new URL("../../bin/relaywatch.js", import.meta.url));

function relaywatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let asip: RunningSim;
let secure: RunningSim;

beforeAll(async () => {
  [asip, secure] = await Promise.all([startSim("asip62"), startSim("secure-no-pipelining")]);
});
afterAll(async () => {
  await Promise.all([asip.close(), secure.close()]);
});

describe("relaywatch check", () => {
  it("reports the AppleShare IP hole, with the accepted case's transcript, and exits 1", async () => {
    const run = await relaywatch(
      "check",
      "127.0.0.1",
      "--port",
      `${asip.port}`,
      "--canary-domain",
      LAB_CANARY_DOMAIN,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/bare-sender\s+accepted\s+rcpt\s+250/);
    expect(run.stdout).toContain("Verdict: OPEN RELAY");
    expect(run.stdout).toContain(">> MAIL FROM:<spamtest>");
    expect(run.stdout).toContain("<< 250 <spamtest@www.asip6x.example>... Sender OK");
  });

  it("prints a JSON result of the documented shape and exits 0 for a closed server", async () => {
    const run = await relaywatch("check", "127.0.0.1", "--port", `${secure.port}`, "--json");
    expect(run.code).toBe(0);
    const result = ProbeResult.parse(JSON.parse(run.stdout));
    expect(result.target).toMatchObject({
      host: "127.0.0.1",
      port: secure.port,
      address: "127.0.0.1",
    });
    expect(result.verdict).toBe("closed");
    expect(result.cases[0]).toMatchObject({
      id: "null-sender",
      outcome: "refused",
      reply: { code: 554 },
    });
    expect(result.transcript[0]).toHaveProperty("dir");
  });

  it("exits 2 when nothing answers", async () => {
    const run = await relaywatch("check", "127.0.0.1", "--port", "1", "--timeout", "5");
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("inconclusive");
  });

  it.each([
    [["check"], 64, /needs a host/],
    [["check", "127.0.0.1", "--port", "99999"], 64, /--port must be between 1 and 65535/],
    [["check", "127.0.0.1", "--port", "smtp"], 64, /--port needs a whole number/],
    [["check", "127.0.0.1", "--bogus"], 64, /Unknown option '--bogus'/],
    [["check", "127.0.0.1", "--cases", "nope"], 64, /unknown case id: nope/],
    [
      ["check", "127.0.0.1", "--canary-domain", "not a domain"],
      64,
      /--canary-domain needs a domain/,
    ],
    [["check", "no-such-host.invalid"], 68, /cannot resolve no-such-host.invalid/],
  ] as const)("rejects %j with exit %i and a clear message", async (args, code, message) => {
    const run = await relaywatch(...args);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });
});
