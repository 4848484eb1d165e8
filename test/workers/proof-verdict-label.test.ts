import { describe, expect, it } from "vitest";
import {
  provenVerdict,
  publicProofState,
  verdictLabel,
} from "../../shared/verdict/verdict-label.ts";

describe("the verdict in words", () => {
  it("tells a delivered relay from one that only accepted", () => {
    expect(verdictLabel("open", "confirmed")).toBe("open (confirmed)");
    expect(verdictLabel("open", "pending")).toBe("open (accepted, unconfirmed)");
    expect(verdictLabel("open", "unconfirmed")).toBe("open (accepted, unconfirmed)");
    expect(verdictLabel("open", null)).toBe("open (accepted, unconfirmed)");
    expect(verdictLabel("closed", "none")).toBe("closed");
    expect(verdictLabel("inconclusive", null)).toBe("inconclusive");
    expect(verdictLabel(null, "requested")).toBeNull();
  });

  it("makes a suspect check whose routing-trick message arrived open (confirmed)", () => {
    expect(verdictLabel("suspect", "pending")).toBe("suspect");
    expect(verdictLabel("suspect", "confirmed")).toBe("open (confirmed)");
    expect(provenVerdict("suspect", "confirmed")).toBe("open");
    expect(provenVerdict("suspect", "unconfirmed")).toBe("suspect");
  });

  it("shows only the proof states a reader can act on", () => {
    expect(publicProofState("requested")).toBeNull();
    expect(publicProofState("none")).toBeNull();
    expect(publicProofState("pending")).toBe("pending");
  });
});
