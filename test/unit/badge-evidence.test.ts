import { describe, expect, it } from "vitest";
import { parseDomainName } from "../../workers/coordinator/src/badge/domain-name.ts";
import {
  type BadgeEvidence,
  decideBadge,
  EVIDENCE_WINDOW_MS,
  type VantageEvidence,
} from "../../workers/coordinator/src/badge/evidence.ts";

const NOW = Date.UTC(2026, 6, 1);
const ADDRESSES = ["192.0.2.1", "2001:db8::1"];

function vantage(
  address: string,
  region: string,
  verdict = "closed",
  where: Partial<Pick<VantageEvidence, "location" | "inside">> = {},
): VantageEvidence {
  return {
    address,
    region,
    location: `colo-${region}`,
    inside: false,
    status: "done",
    verdict,
    ...where,
  };
}

function evidence(overrides: Partial<BadgeEvidence["latest"] & object> = {}): BadgeEvidence {
  return {
    latest: {
      status: "done",
      verdict: "closed",
      finishedAt: NOW - 1_000,
      mx: {
        hosts: [{ host: "mx.example", preference: 10, addresses: ADDRESSES }],
        refused: [],
        caseIds: null,
      },
      ...overrides,
    },
    vantages: ADDRESSES.flatMap((address) => [vantage(address, "eu"), vantage(address, "us")]),
    recheckFailed: false,
  };
}

describe("decideBadge", () => {
  it("is closed when every address is closed from two regions", () => {
    expect(decideBadge(evidence(), NOW).status).toBe("closed");
  });

  it("counts two vantages that ran in the same place once: not green", () => {
    const sameColo = evidence();
    sameColo.vantages = ADDRESSES.flatMap((address) => [
      vantage(address, "eu-west", "closed", { location: "FRA" }),
      vantage(address, "ap-northeast", "closed", { location: "FRA" }),
    ]);
    expect(decideBadge(sameColo, NOW)).toEqual({
      status: "unknown",
      reason: "192.0.2.1 was found closed from 1 independent outside vantage(s), fewer than 2",
    });
  });

  it("does not count a vantage inside the address's own AS: fewer than 2 outside is not green", () => {
    const withInside = evidence();
    withInside.vantages = ADDRESSES.flatMap((address) => [
      vantage(address, "eu"),
      vantage(address, "us", "closed", { inside: address === "2001:db8::1" }),
    ]);
    expect(decideBadge(withInside, NOW)).toMatchObject({
      status: "unknown",
      reason: expect.stringMatching(/^2001:db8::1 was found closed from 1 independent outside/),
    });
    // A third vantage outside, in another place, makes two again.
    withInside.vantages.push(vantage("2001:db8::1", "ap"));
    expect(decideBadge(withInside, NOW).status).toBe("closed");
  });

  it("falls back to the region on rows from before locations were recorded", () => {
    const legacy = evidence();
    legacy.vantages = legacy.vantages.map((v) => ({ ...v, location: null }));
    expect(decideBadge(legacy, NOW).status).toBe("closed");
  });

  it("is unknown when never checked", () => {
    expect(decideBadge({ latest: null, vantages: [], recheckFailed: false }, NOW)).toEqual({
      status: "unknown",
      reason: "never checked",
    });
  });

  it("is unknown when one address was closed from one region only", () => {
    const input = evidence();
    input.vantages = input.vantages.filter(
      (v) => !(v.address === "2001:db8::1" && v.region === "us"),
    );
    expect(decideBadge(input, NOW)).toMatchObject({ status: "unknown", reason: /2001:db8::1/ });
  });

  it("does not count two nodes in one region as two vantages", () => {
    const input = evidence();
    input.vantages = ADDRESSES.flatMap((address) => [
      vantage(address, "eu"),
      vantage(address, "eu"),
    ]);
    expect(decideBadge(input, NOW).status).toBe("unknown");
  });

  it("does not count failed or inconclusive vantages", () => {
    const input = evidence();
    input.vantages = ADDRESSES.flatMap((address) => [
      vantage(address, "eu"),
      { ...vantage(address, "us"), status: "failed", verdict: "inconclusive" },
    ]);
    expect(decideBadge(input, NOW).status).toBe("unknown");
  });

  it("is unknown past 30 days, and still closed just inside them", () => {
    expect(decideBadge(evidence({ finishedAt: NOW - EVIDENCE_WINDOW_MS - 1 }), NOW).status).toBe(
      "unknown",
    );
    expect(decideBadge(evidence({ finishedAt: NOW - EVIDENCE_WINDOW_MS }), NOW).status).toBe(
      "closed",
    );
  });

  it("says OPEN and suspect from the latest check", () => {
    expect(decideBadge(evidence({ verdict: "open" }), NOW).status).toBe("open");
    expect(decideBadge(evidence({ verdict: "suspect" }), NOW).status).toBe("suspect");
  });

  it("is unknown for a failed or inconclusive check, an empty plan or a failed re-check", () => {
    expect(decideBadge(evidence({ status: "failed" }), NOW).status).toBe("unknown");
    expect(decideBadge(evidence({ verdict: "inconclusive" }), NOW).status).toBe("unknown");
    expect(
      decideBadge(evidence({ mx: { hosts: [], refused: [], caseIds: null } }), NOW).status,
    ).toBe("unknown");
    expect(decideBadge({ ...evidence(), recheckFailed: true }, NOW).status).toBe("unknown");
  });
});

describe("parseDomainName", () => {
  it("normalises and accepts host names", () => {
    expect(parseDomainName("Mail.Example.ORG.")).toBe("mail.example.org");
    expect(parseDomainName("xn--bcher-kva.example")).toBe("xn--bcher-kva.example");
  });

  it("refuses what is not a domain", () => {
    for (const input of [
      "",
      "localhost",
      "127.0.0.1",
      "a..b",
      "-a.example",
      "a_b.example",
      "<x>.com",
      `${"a".repeat(64)}.com`,
    ]) {
      expect(parseDomainName(input), input).toBeNull();
    }
  });
});
