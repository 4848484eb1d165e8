import { describe, expect, it } from "vitest";
import { aggregateVerdicts, type VantageView } from "../../shared/probe/aggregate.ts";

const view = (
  region: string,
  verdict: VantageView["verdict"],
  address = "192.0.2.1",
): VantageView => ({
  region,
  network: "test",
  mxHost: "mx.example.org",
  address,
  verdict,
  reason: verdict === "open" ? "accepted bare-sender" : "refused",
});

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
});
