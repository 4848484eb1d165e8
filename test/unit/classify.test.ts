import { describe, expect, it } from "vitest";
import {
  classifyMailReply,
  classifyRcptReply,
  requestedDelaySeconds,
} from "../../shared/probe/classify.ts";
import type { Reply } from "../../shared/smtp/types.ts";

function reply(code: number, text: string, enhanced: string | null = null): Reply {
  return { code, enhanced, lines: [text], text };
}

describe("RCPT replies", () => {
  it("treats 250 and 251 as accepted", () => {
    expect(classifyRcptReply(reply(250, "Ok"))).toMatchObject({
      kind: "final",
      outcome: "accepted",
    });
    expect(classifyRcptReply(reply(251, "User not local; will forward"))).toMatchObject({
      outcome: "accepted",
    });
  });

  it("treats 554 relay denied and Postfix's 454 defer_unauth_destination as refusals", () => {
    expect(classifyRcptReply(reply(554, "<a@b>: Relay access denied", "5.7.1"))).toMatchObject({
      outcome: "refused",
    });
    expect(classifyRcptReply(reply(454, "<a@b>: Relay access denied", "4.7.1"))).toMatchObject({
      outcome: "refused",
    });
  });

  it("retries greylisting after the delay the server names", () => {
    const meaning = classifyRcptReply(
      reply(450, "<a@b>: Recipient address rejected: Greylisted, try again in 37 seconds", "4.7.1"),
    );
    expect(meaning).toMatchObject({ kind: "retry", afterSeconds: 37 });
  });

  it("calls an unknown recipient domain untested, not refused", () => {
    expect(classifyRcptReply(reply(550, "Domain not found", "5.1.2"))).toMatchObject({
      outcome: "untested",
    });
    expect(
      classifyRcptReply(reply(450, "<a@b>: Recipient address rejected: Domain not found")),
    ).toMatchObject({ outcome: "untested" });
  });

  it("separates STARTTLS demands, authentication demands and a closing server", () => {
    expect(classifyRcptReply(reply(530, "Must issue a STARTTLS command first", "5.7.0")).kind).toBe(
      "tls-required",
    );
    expect(classifyRcptReply(reply(530, "Authentication required", "5.7.0"))).toMatchObject({
      outcome: "auth-required",
    });
    expect(classifyRcptReply(reply(421, "Error: too many errors", "4.7.0")).kind).toBe("closing");
  });

  it("does not count a blocklisted client as a relay refusal", () => {
    expect(
      classifyRcptReply(
        reply(
          554,
          "Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org",
          "5.7.1",
        ),
      ),
    ).toMatchObject({ outcome: "untested" });
  });
});

describe("MAIL replies", () => {
  it("lets a 250 through to RCPT", () => {
    expect(classifyMailReply(reply(250, "Ok")).kind).toBe("ok");
  });

  it("calls an unresolvable sender domain untested", () => {
    expect(
      classifyMailReply(
        reply(553, "<spamtest@x.invalid>: Sender address rejected: Domain not found", "5.1.8"),
      ),
    ).toMatchObject({ outcome: "untested" });
  });

  it("counts a plain 553 at MAIL as a refusal at MAIL", () => {
    expect(classifyMailReply(reply(553, "Sender rejected"))).toMatchObject({ outcome: "refused" });
  });
});

describe("requested delays", () => {
  it("reads seconds and minutes, and nothing from texts without a number", () => {
    expect(requestedDelaySeconds("please try again in 300 seconds")).toBe(300);
    expect(requestedDelaySeconds("retry in 5 minutes")).toBe(300);
    expect(requestedDelaySeconds("try later")).toBeNull();
  });
});
