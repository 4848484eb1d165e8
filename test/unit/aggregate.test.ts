import { describe, expect, it } from "vitest";
import {
  aggregateVerdicts,
  listedOutsideVantageCount,
  outsideVantageCount,
  type VantageView,
} from "../../shared/verdict/aggregate.ts";

const view = (
  region: string,
  verdict: VantageView["verdict"],
  address = "192.0.2.1",
  where: Partial<Pick<VantageView, "location" | "inside" | "listed">> = {},
): VantageView => ({
  region,
  network: "test",
  mxHost: "mx.example.org",
  address,
  verdict,
  reason: verdict === "open" ? "accepted bare-sender" : "refused",
  location: `site-${region}`,
  inside: false,
  tested: true,
  ...where,
});

/** A vantage that could not test: its node unreachable, or TLS its runtime cannot speak. */
const untestedView = (region: string, reason: string, address = "192.0.2.1"): VantageView => ({
  ...view(region, "inconclusive", address),
  reason,
  tested: false,
});

const UNREACHABLE = "node local-eu-west (eu-west) could not be reached (connection refused)";
const NO_TLS =
  "TLS not testable from this vantage (certificate not accepted by a runtime that verifies every certificate: TLS handshake failed)";

describe("aggregating vantages", () => {
  it("is open if any vantage saw a relay, and names the trusted-network suspicion", () => {
    const overall = aggregateVerdicts([
      view("eu-west", "closed"),
      view("ap-northeast", "open"),
      view("us-east", "closed"),
    ]);
    expect(overall.verdict).toBe("open");
    expect(overall.reason).toContain("ap-northeast");
    expect(overall.summary).toBe(
      "mx.example.org (192.0.2.1): open from ap-northeast only; closed from eu-west, us-east: a trusted-network rule?",
    );
  });

  it("is closed only when every vantage saw closed, with no disagreement", () => {
    const overall = aggregateVerdicts([view("eu-west", "closed"), view("us-east", "closed")]);
    expect(overall).toMatchObject({ verdict: "closed", summary: null });
  });

  it("is inconclusive when a vantage failed and none saw a relay", () => {
    const overall = aggregateVerdicts([view("eu-west", "closed"), view("us-east", null)]);
    expect(overall.verdict).toBe("inconclusive");
    expect(overall.summary).toContain("inconclusive from us-east; closed from eu-west");
  });

  it("judges disagreement per address, not across addresses", () => {
    const overall = aggregateVerdicts([
      view("eu-west", "closed", "192.0.2.1"),
      view("eu-west", "closed", "192.0.2.2"),
    ]);
    expect(overall.summary).toBeNull();
  });

  it("counts vantages that ran in the same place once, and says so", () => {
    const overall = aggregateVerdicts([
      view("eu-west", "closed", "192.0.2.1", { location: "FRA" }),
      view("ap-northeast", "closed", "192.0.2.1", { location: "FRA" }),
      view("us-east", "closed", "192.0.2.1", { location: "IAD" }),
    ]);
    expect(overall).toEqual({
      verdict: "closed",
      reason:
        "every address refused to relay from every vantage that tested it (eu-west+ap-northeast, us-east)",
      summary: "eu-west and ap-northeast ran in the same place (FRA) and count once",
      outsideVantages: 2,
    });
  });

  it("does not call one place 'only' when two labels ran there", () => {
    const overall = aggregateVerdicts([
      view("eu-west", "open", "192.0.2.1", { location: "FRA" }),
      view("ap-northeast", "open", "192.0.2.1", { location: "FRA" }),
      view("us-east", "closed", "192.0.2.1", { location: "IAD" }),
    ]);
    expect(overall.summary?.split("\n")[0]).toBe(
      "mx.example.org (192.0.2.1): open from eu-west+ap-northeast only; closed from us-east: a trusted-network rule?",
    );
    const sharedOnly = aggregateVerdicts([
      view("eu-west", "open", "192.0.2.1", { location: "FRA" }),
      view("ap-northeast", "closed", "192.0.2.1", { location: "FRA" }),
    ]);
    // One place saw both: no vantage elsewhere to be "only" against.
    expect(sharedOnly.summary?.split("\n")[0]).toBe(
      "mx.example.org (192.0.2.1): open from eu-west; closed from ap-northeast: a trusted-network rule?",
    );
  });

  it("marks inside vantages, and says a closed verdict with fewer than 2 outside is not corroborated", () => {
    const overall = aggregateVerdicts([
      view("eu-west", "closed"),
      view("ap-northeast", "closed", "192.0.2.1", { inside: true }),
    ]);
    expect(overall.outsideVantages).toBe(1);
    expect(overall.reason).toBe(
      "every address refused to relay from every vantage that tested it (eu-west, ap-northeast (inside the target's network)); only eu-west, ap-northeast (inside the target's network) tested mx.example.org (192.0.2.1): fewer than 2 independent vantages outside the target's network, so this is not corroborated (no green badge)",
    );
    const open = aggregateVerdicts([
      view("eu-west", "closed"),
      view("us-east", "closed"),
      view("ap-northeast", "open", "192.0.2.1", { inside: true }),
    ]);
    expect(open.summary).toBe(
      "mx.example.org (192.0.2.1): open from ap-northeast (inside the target's network) only; closed from eu-west, us-east: a trusted-network rule?",
    );
  });

  it("takes no corroboration from a vantage whose node was on a DNS blocklist", () => {
    const views = [
      view("eu-west", "closed"),
      view("us-east", "closed", "192.0.2.1", { listed: true }),
    ];
    expect(outsideVantageCount(views)).toBe(2);
    expect(listedOutsideVantageCount(views)).toBe(1);
    expect(aggregateVerdicts(views).reason).toContain(
      "fewer than 2 independent vantages outside the target's network (vantages on a DNS blocklist do not count), so this is not corroborated",
    );
    // A listed vantage in the same place as an unlisted one takes nothing from the count.
    const shared = [
      ...views,
      view("ap-northeast", "closed", "192.0.2.1", { location: "site-us-east" }),
    ];
    expect(listedOutsideVantageCount(shared)).toBe(0);
    expect(aggregateVerdicts(shared).reason).not.toContain("not corroborated");
  });

  it("counts only vantages that tested, for the address with the fewest", () => {
    const overall = aggregateVerdicts([
      view("eu-west", "closed", "192.0.2.1"),
      view("us-east", "closed", "192.0.2.1"),
      view("eu-west", "closed", "192.0.2.2"),
      untestedView("us-east", UNREACHABLE, "192.0.2.2"),
    ]);
    expect(overall.outsideVantages).toBe(1);
  });

  it("sets aside a vantage that could not test: closed from the others, which it names", () => {
    const overall = aggregateVerdicts([
      untestedView("eu-west", UNREACHABLE),
      view("us-east", "closed"),
      view("ap-northeast", "closed"),
    ]);
    expect(overall).toMatchObject({ verdict: "closed", summary: null });
    expect(overall.reason).toBe(
      `every address refused to relay from every vantage that tested it (us-east, ap-northeast); could not test: eu-west: ${UNREACHABLE}`,
    );
  });

  it("is open from the vantage that could speak TLS, the others named as unable to test", () => {
    const overall = aggregateVerdicts([
      untestedView("eu-west", NO_TLS),
      untestedView("ap-northeast", NO_TLS),
      view("us-east", "open"),
    ]);
    expect(overall.verdict).toBe("open");
    expect(overall.summary).toBeNull();
    expect(overall.reason).toContain(`could not test: eu-west: ${NO_TLS}; ap-northeast: ${NO_TLS}`);
  });

  it("says when fewer than two independent vantages tested a closed address", () => {
    const overall = aggregateVerdicts([
      untestedView("eu-west", NO_TLS),
      view("us-east", "closed"),
      view("us-east", "closed"),
    ]);
    expect(overall.verdict).toBe("closed");
    expect(overall.reason).toContain(
      "only us-east tested mx.example.org (192.0.2.1): fewer than 2 independent vantages",
    );
    expect(overall.reason).toContain("no green badge");
  });

  it("is inconclusive when no vantage could test an address, whatever the others found", () => {
    const overall = aggregateVerdicts([
      view("us-east", "closed", "192.0.2.1"),
      view("eu-west", "closed", "192.0.2.1"),
      untestedView("us-east", NO_TLS, "192.0.2.2"),
      untestedView("eu-west", UNREACHABLE, "192.0.2.2"),
    ]);
    expect(overall.verdict).toBe("inconclusive");
    expect(overall.reason).toMatch(
      /^no vantage could test mx\.example\.org \(192\.0\.2\.2\); could not test: /,
    );
  });

  it("is still inconclusive when a vantage that did test got no answer from the server", () => {
    const overall = aggregateVerdicts([
      untestedView("ap-northeast", UNREACHABLE),
      view("eu-west", "closed"),
      { ...view("us-east", "inconclusive"), reason: "3 of 29 cases got no answer (timeout)" },
    ]);
    expect(overall.verdict).toBe("inconclusive");
    expect(overall.reason).toContain("from us-east: 3 of 29 cases got no answer");
  });
});
