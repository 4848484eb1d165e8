import { describe, expect, it } from "vitest";
import {
  type CanaryMessageInput,
  canaryMessage,
  rfc5322Date,
} from "../../shared/probe/canary-message.ts";
import { envelopeRefusal, isOurRecipient, type OwnNames } from "../../shared/probe/delivery.ts";

const INPUT: CanaryMessageInput = {
  canaryDomain: "canary.relaywatch.test",
  rcptTo: "<rw-abcd2345-2@canary.relaywatch.test>",
  targetHost: "mx.example.org",
  caseId: "canary-sender",
  token: "rw-abcd2345-2",
  reportUrl: "https://relaywatch.dev/r/abc123",
  date: new Date("2026-11-29T23:27:57Z"),
};

function headers(message: string): Map<string, string> {
  const head = message.slice(0, message.indexOf("\r\n\r\n"));
  return new Map(
    head.split("\r\n").map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    }),
  );
}

describe("the canary message", () => {
  const message = canaryMessage(INPUT);

  it("has every header, the token in Message-ID and X-Relaywatch-Token", () => {
    const found = headers(message);
    expect(found.get("From")).toBe("Relaywatch relay test <noreply@canary.relaywatch.test>");
    expect(found.get("To")).toBe("<rw-abcd2345-2@canary.relaywatch.test>");
    expect(found.get("Subject")).toBe("Relaywatch relay test of mx.example.org (canary-sender)");
    expect(found.get("Date")).toBe("Sun, 29 Nov 2026 23:27:57 +0000");
    expect(found.get("Message-ID")).toBe("<rw-abcd2345-2@canary.relaywatch.test>");
    expect(found.get("X-Relaywatch-Token")).toBe("rw-abcd2345-2");
    expect(found.get("X-Relaywatch-Case")).toBe("canary-sender");
    expect(found.get("Auto-Submitted")).toBe("auto-generated");
    expect(found.get("Precedence")).toBe("bulk");
    expect(found.get("MIME-Version")).toBe("1.0");
    expect(found.get("Content-Type")).toMatch(/^text\/plain/);
  });

  it("uses CRLF only, is ASCII and under 2 KB", () => {
    expect(message.endsWith("\r\n")).toBe(true);
    expect(message.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(message).toMatch(/^[\x20-\x7e\r\n]*$/);
    expect(Buffer.byteLength(message)).toBeLessThan(2048);
  });

  it("explains itself and names the report URL", () => {
    const body = message.slice(message.indexOf("\r\n\r\n") + 4);
    expect(body).toContain("automated relay test by Relaywatch");
    expect(body).toContain("mx.example.org");
    expect(body).toContain("relays mail for strangers");
    expect(body).toContain("https://relaywatch.dev/r/abc123");
  });

  it("leaves out a missing or unusable report URL", () => {
    expect(canaryMessage({ ...INPUT, reportUrl: null })).not.toContain("http");
    expect(canaryMessage({ ...INPUT, reportUrl: "javascript:alert(1)" })).not.toContain(
      "javascript",
    );
  });

  it("cannot be given an extra header line or a non-ASCII byte", () => {
    const hostile = canaryMessage({
      ...INPUT,
      targetHost: "mx.example.org\r\nBcc: victim@example.com",
      caseId: "case\nX-Evil: 1",
      rcptTo: "<a@b>\rCc: x@y",
      reportUrl: "https://relaywatch.dev/r/\r\nBcc: x@y",
    });
    const found = headers(hostile);
    expect(found.has("Bcc")).toBe(false);
    expect(found.has("X-Evil")).toBe(false);
    expect(found.has("Cc")).toBe(false);
    expect(hostile.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(canaryMessage({ ...INPUT, targetHost: "mx.exämple.org" })).toMatch(/^[\x20-\x7e\r\n]*$/);
    const long = canaryMessage({
      ...INPUT,
      targetHost: "a".repeat(5000),
      caseId: "b".repeat(5000),
    });
    expect(Buffer.byteLength(long)).toBeLessThan(2048 + 1200);
  });

  it("writes RFC 5322 dates with two-digit days", () => {
    expect(rfc5322Date(new Date("2026-01-05T03:04:05Z"))).toBe("Mon, 05 Jan 2026 03:04:05 +0000");
  });
});

describe("the envelope guard of delivery proof", () => {
  const own: OwnNames = {
    host: "mx.example.org",
    targetDomain: "example.org",
    addressLiteral: "192.0.2.1",
  };
  const canary = "canary.relaywatch.test";
  const token = "rw-abcd2345-7";
  const foreign = (rcptTo: string, mailFrom = "<spamtest@example.org>") => ({
    id: "x",
    mailFrom,
    rcptTo,
    recipientKind: "foreign" as const,
    token,
  });
  const routing = (rcptTo: string) => ({ ...foreign(rcptTo), recipientKind: "routing" as const });

  it("accepts the catalogue's recipient forms", () => {
    expect(isOurRecipient(foreign(`<${token}@${canary}>`), canary, own)).toBe(true);
    expect(isOurRecipient(foreign(`<${token}@CANARY.RELAYWATCH.TEST.>`), canary, own)).toBe(true);
    for (const rcpt of [
      `<${token}%${canary}@mx.example.org>`,
      `<"${token}@${canary}"@[192.0.2.1]>`,
      `<@mx.example.org:${token}@${canary}>`,
      `<${canary}!${token}>`,
      `<${token}@${canary}@>`,
    ]) {
      expect(isOurRecipient(routing(rcpt), canary, own), rcpt).toBe(true);
    }
  });

  it("refuses any recipient outside the canary domain and the target's own names", () => {
    expect(isOurRecipient(foreign(`<${token}@example.com>`), canary, own)).toBe(false);
    expect(isOurRecipient(foreign(`<someone@${canary}>`), canary, own)).toBe(false);
    expect(isOurRecipient(foreign(`<${token}@${canary}.evil.com>`), canary, own)).toBe(false);
    expect(isOurRecipient(routing(`<${token}%${canary}@third.example>`), canary, own)).toBe(false);
    expect(isOurRecipient(routing(`<victim%example.com@mx.example.org>`), canary, own)).toBe(false);
  });

  it("refuses a sender that could bounce to a third party", () => {
    expect(envelopeRefusal(foreign(`<${token}@${canary}>`, "<>"), canary, own)).toBeNull();
    expect(envelopeRefusal(foreign(`<${token}@${canary}>`, "<spamtest>"), canary, own)).toBeNull();
    expect(
      envelopeRefusal(foreign(`<${token}@${canary}>`, "<spamtest@[192.0.2.1]>"), canary, own),
    ).toBeNull();
    expect(
      envelopeRefusal(foreign(`<${token}@${canary}>`, "<victim@example.com>"), canary, own),
    ).toContain("sender");
  });
});
