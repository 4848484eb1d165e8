import { describe, expect, it } from "vitest";
import { formatDuration } from "../../cli/report.ts";
import { detectMailServer } from "../../shared/probe/mail-server-software.ts";

describe("the CLI's duration", () => {
  it.each([
    [38.4, "38 ms"],
    [0, "0 ms"],
    [999.4, "999 ms"],
    [999.6, "1.0 s"],
    [2_440, "2.4 s"],
  ])("%d ms reads %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("mail server software from the banner and EHLO", () => {
  it.each([
    ["220 mx.example.org ESMTP Postfix (Debian/GNU)", [], "postfix"],
    ["220 mx.example.org ESMTP Exim 4.96 Mon, 30 Nov 2026 12:00:00 +0000", [], "exim"],
    ["220 mx.example.org ESMTP Sendmail 8.17.1/8.17.1; Mon, 30 Nov 2026", [], "sendmail"],
    ["220 EX01.contoso.com Microsoft ESMTP MAIL Service ready at Mon", [], "exchange"],
    ["220 mx.example.org ESMTP OpenSMTPD", [], "opensmtpd"],
    ["220 mx.example.org ESMTP Haraka/3.0.3 ready", [], "haraka"],
    // Banners that hide the name: the EHLO keywords still tell.
    ["220 mail.example.org ESMTP", ["PIPELINING", "X-EXPS GSSAPI NTLM", "XEXCH50"], "exchange"],
    ["220 mail.example.org ESMTP", ["SIZE 52428800", "PIPE_CONNECT"], "exim"],
    ["220 mail.example.org ESMTP", ["PIPELINING", "8BITMIME"], "unknown"],
    // A host name is no software name.
    ["220 open.postfix.lab.test ESMTP", ["PIPELINING"], "unknown"],
    [null, [], "unknown"],
  ] as const)("%s %j is %s", (banner, extensions, software) => {
    expect(detectMailServer({ banner, extensions }).software).toBe(software);
  });

  it("reads the EHLO greeting when the banner says nothing, and quotes its evidence", () => {
    const guess = detectMailServer({
      banner: "220 mail.example.org",
      extensions: [],
      ehloGreeting: "mail.example.org Hello probe [192.0.2.1], pleased to meet you (Sendmail)",
    });
    expect(guess).toEqual({
      software: "sendmail",
      evidence: "mail.example.org Hello probe [192.0.2.1], pleased to meet you (Sendmail)",
    });
  });
});
