import { describe, expect, it } from "vitest";
import { CASE_FAMILIES, RELAY_CASES } from "../../shared/probe/cases.ts";
import { expandCase } from "../../shared/probe/expand.ts";

const names = {
  address: "192.0.2.25",
  host: "mx.example.org",
  targetDomain: "example.org",
  canaryDomain: "canary.relaywatch.test",
  randomLabel: "q7xk2m",
  nonce: "abcd2345",
};

describe("the relay case catalogue", () => {
  it("has unique ids and covers nmap's 16 forms and the origin case", () => {
    const ids = RELAY_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(RELAY_CASES.filter((c) => c.testers.includes("nmap")).length).toBeGreaterThanOrEqual(16);
    expect(RELAY_CASES.length).toBeGreaterThanOrEqual(2 * 14);
    expect(RELAY_CASES.find((c) => c.id === "bare-sender")?.mailFrom).toBe("<spamtest>");
  });

  it("puts every case in one advice family, and every family has a case", () => {
    for (const relayCase of RELAY_CASES) expect(CASE_FAMILIES).toContain(relayCase.family);
    const used = new Set(RELAY_CASES.map((c) => c.family));
    expect([...CASE_FAMILIES].filter((family) => !used.has(family))).toEqual([]);
    expect(RELAY_CASES.find((c) => c.id === "percent-at-ip")?.family).toBe("percent-hack");
    expect(RELAY_CASES.find((c) => c.id === "bare-sender")?.family).toBe("local-sender");
  });

  it("sends every recipient to the canary domain and nowhere else", () => {
    RELAY_CASES.forEach((relayCase, index) => {
      const expanded = expandCase(relayCase, index, names);
      expect(expanded.rcptTo.toLowerCase()).toContain(`${expanded.token}`);
      expect(expanded.rcptTo.toLowerCase()).toContain("canary.relaywatch.test");
      const stripped = expanded.rcptTo
        .toLowerCase()
        .replaceAll("canary.relaywatch.test", "")
        .replaceAll("mx.example.org", "")
        .replaceAll("192.0.2.25", "");
      expect(stripped).not.toMatch(/[a-z0-9-]+\.[a-z]{2,}/);
      expect(expanded.rcptTo).not.toContain("{");
      expect(expanded.mailFrom).not.toContain("{");
    });
  });

  it("gives every case a distinct token and writes IPv6 literals per RFC 5321", () => {
    const tokens = RELAY_CASES.map((c, i) => expandCase(c, i, names).token);
    expect(new Set(tokens).size).toBe(tokens.length);
    const ipCase = RELAY_CASES.find((c) => c.id === "ip-literal-sender");
    if (!ipCase) throw new Error("ip-literal-sender is missing from the catalogue");
    const v6 = expandCase(ipCase, 0, {
      ...names,
      address: "2001:db8::25",
    });
    expect(v6.mailFrom).toBe("<spamtest@[IPv6:2001:db8::25]>");
  });
});
