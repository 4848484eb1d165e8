import { describe, expect, it } from "vitest";
import {
  capabilitiesOf,
  LINE_CUT_MARKER,
  parseEhloExtensions,
  ReplyParser,
  type ReplyParserLimits,
} from "../../shared/smtp/reply-parser.ts";
import { type Reply, SmtpError } from "../../shared/smtp/types.ts";

const LIMITS: ReplyParserLimits = {
  displayLineBytes: 512,
  maxReplyBytes: 16 * 1024,
  maxSessionBytes: 64 * 1024,
};

const bytes = (text: string) => new TextEncoder().encode(text);

function parseAll(text: string, limits = LIMITS): Reply[] {
  return new ReplyParser(limits).push(bytes(text));
}

function protocolErrorOf(action: () => unknown): SmtpError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SmtpError);
    expect((error as SmtpError).kind).toBe("protocol");
    return error as SmtpError;
  }
  throw new Error("expected a protocol error, nothing was thrown");
}

const EHLO_REPLY =
  "250-mx.lab.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";

const EXPECTED_EHLO: Reply = {
  code: 250,
  enhanced: null,
  lines: ["mx.lab.test Hello", "PIPELINING", "SIZE 10240000", "8BITMIME"],
  text: "mx.lab.test Hello PIPELINING SIZE 10240000 8BITMIME",
};

describe("ReplyParser", () => {
  it("parses a single-line reply", () => {
    expect(parseAll("220 mx.lab.test ESMTP ready\r\n")).toEqual([
      {
        code: 220,
        enhanced: null,
        lines: ["mx.lab.test ESMTP ready"],
        text: "mx.lab.test ESMTP ready",
      },
    ]);
  });

  it("assembles a multi-line reply only once its last line arrives", () => {
    const parser = new ReplyParser(LIMITS);
    expect(parser.push(bytes("250-mx.lab.test Hello\r\n250-PIPELINING\r\n"))).toEqual([]);
    expect(parser.midReply).toBe(true);
    expect(parser.push(bytes("250-SIZE 10240000\r\n250 8BITMIME\r\n"))).toEqual([EXPECTED_EHLO]);
    expect(parser.midReply).toBe(false);
  });

  it("gives the same reply for every split point of the input", () => {
    const input = bytes(EHLO_REPLY);
    for (let split = 0; split <= input.length; split++) {
      const parser = new ReplyParser(LIMITS);
      const replies = [
        ...parser.push(input.subarray(0, split)),
        ...parser.push(input.subarray(split)),
      ];
      expect(replies, `split at byte ${split}`).toEqual([EXPECTED_EHLO]);
    }
  });

  it("gives the same reply when fed one byte at a time", () => {
    const parser = new ReplyParser(LIMITS);
    const replies: Reply[] = [];
    for (const byte of bytes(EHLO_REPLY)) replies.push(...parser.push(Uint8Array.of(byte)));
    expect(replies).toEqual([EXPECTED_EHLO]);
  });

  it("does not complete a line until the LF of a CRLF split across chunks", () => {
    const parser = new ReplyParser(LIMITS);
    expect(parser.push(bytes("250 ok\r"))).toEqual([]);
    expect(parser.push(bytes("\n"))).toEqual([
      { code: 250, enhanced: null, lines: ["ok"], text: "ok" },
    ]);
  });

  it("tolerates bare LF line endings", () => {
    expect(parseAll("250-first\n250 second\n")).toEqual([
      { code: 250, enhanced: null, lines: ["first", "second"], text: "first second" },
    ]);
  });

  it("returns several replies from one chunk, in order", () => {
    const replies = parseAll("250 2.1.0 ok\r\n250 2.1.5 ok\r\n554 5.7.1 denied\r\n");
    expect(replies.map((reply) => [reply.code, reply.enhanced])).toEqual([
      [250, "2.1.0"],
      [250, "2.1.5"],
      [554, "5.7.1"],
    ]);
  });

  it("accepts a bare code with no text", () => {
    expect(parseAll("250\r\n")).toEqual([{ code: 250, enhanced: null, lines: [""], text: "" }]);
  });

  describe("enhanced status codes", () => {
    it("extracts the code and strips it from every line", () => {
      expect(parseAll("550-5.7.1 Relaying denied\r\n550 5.7.1 see policy\r\n")).toEqual([
        {
          code: 550,
          enhanced: "5.7.1",
          lines: ["Relaying denied", "see policy"],
          text: "Relaying denied see policy",
        },
      ]);
    });

    it("accepts multi-digit subject and detail", () => {
      expect(parseAll("451 4.7.650 try later\r\n")[0]?.enhanced).toBe("4.7.650");
    });

    it("ignores a code whose class does not match the reply", () => {
      expect(parseAll("250 5.0.0 odd but accepted\r\n")).toEqual([
        {
          code: 250,
          enhanced: null,
          lines: ["5.0.0 odd but accepted"],
          text: "5.0.0 odd but accepted",
        },
      ]);
    });

    it("never finds one in a 3xx reply, which has no enhanced class", () => {
      expect(parseAll("354 2.0.0 go ahead\r\n")[0]).toMatchObject({
        enhanced: null,
        text: "2.0.0 go ahead",
      });
    });

    it("requires a space or the end of the text after the code", () => {
      expect(parseAll("250 2.0.0x\r\n")[0]).toMatchObject({ enhanced: null, text: "2.0.0x" });
      expect(parseAll("250 2.0.0\r\n")[0]).toMatchObject({ enhanced: "2.0.0", text: "" });
      expect(parseAll("250 2.0 ok\r\n")[0]).toMatchObject({ enhanced: null, text: "2.0 ok" });
    });
  });

  describe("limits", () => {
    const small: ReplyParserLimits = {
      displayLineBytes: 10,
      maxReplyBytes: 40,
      maxSessionBytes: 60,
    };

    it("keeps a line of exactly displayLineBytes whole, CRLF not counted", () => {
      expect(parseAll("250 abcdef\r\n", small)[0]?.text).toBe("abcdef");
    });

    it("keeps a longer line cut for display, with a marker naming its length, and goes on", () => {
      const lines: string[] = [];
      const parser = new ReplyParser(small, { onLine: (line) => lines.push(line) });
      const replies = parser.push(bytes("250 abcdefghijklmnop\r\n550 no\r\n"));
      expect(replies).toHaveLength(2);
      expect(replies[0]?.code).toBe(250);
      expect(replies[0]?.text).toBe(`abcdef ${LINE_CUT_MARKER} line of 20 bytes cut for display]`);
      expect(replies[1]).toMatchObject({ code: 550, text: "no" });
      expect(lines[0]).toContain(LINE_CUT_MARKER);
    });

    it("cuts a long line however it is split across reads, CR and LF apart", () => {
      const parser = new ReplyParser(small);
      expect(parser.push(bytes("250 abcdefgh"))).toEqual([]);
      expect(parser.push(bytes("ijklmnop\r"))).toEqual([]);
      const [reply] = parser.push(bytes("\n"));
      expect(reply?.text).toMatch(/^abcdef .* line of 20 bytes/);
    });

    it("parses a 6 KB banner line with HTML in it within the default caps", () => {
      const html = `<html><body>${"<p>Welcome &amp; no spam</p>".repeat(220)}</body></html>`;
      const [reply] = parseAll(`220-mail.example ESMTP ${html}\r\n220 ready\r\n`);
      expect(reply?.code).toBe(220);
      expect(reply?.lines[0]?.length).toBeLessThan(600);
      expect(reply?.lines[0]).toContain(LINE_CUT_MARKER);
      expect(reply?.lines[1]).toBe("ready");
    });

    it("rejects a reply whose kept lines pass maxReplyBytes, a cut line counting what is kept", () => {
      const parser = new ReplyParser({ ...small, maxSessionBytes: 1_000 });
      // 11 bytes kept of each 36-byte line (10 and the CR's place): three fit, a fourth does not.
      expect(parser.push(bytes(`250-${"a".repeat(30)}\r\n`.repeat(3)))).toEqual([]);
      const error = protocolErrorOf(() => parser.push(bytes(`250-${"a".repeat(30)}\r\n`)));
      expect(error.message).toMatch(/reply longer than 40 bytes as kept/);
    });

    it("counts every line of a multi-line reply against maxReplyBytes", () => {
      const error = protocolErrorOf(() => parseAll("250-aaaaaa\r\n".repeat(4), small));
      expect(error.message).toMatch(/reply longer than 40 bytes/);
    });

    it("rejects a session over maxSessionBytes even when every line is short", () => {
      const parser = new ReplyParser(small);
      expect(parser.push(bytes("250 a\r\n".repeat(8)))).toHaveLength(8);
      const error = protocolErrorOf(() => parser.push(bytes("250 a\r\n250 b\r\n")));
      expect(error.message).toMatch(/more than 60 bytes/);
      expect(parser.bytesReceived).toBe(70);
    });

    it("keeps failing after the first protocol error", () => {
      const parser = new ReplyParser(LIMITS);
      const first = protocolErrorOf(() => parser.push(bytes("garbage\r\n")));
      expect(protocolErrorOf(() => parser.push(bytes("250 ok\r\n")))).toBe(first);
    });
  });

  describe("garbage", () => {
    it.each([
      ["text without a code", "hello there\r\n"],
      ["an empty line", "\r\n"],
      ["a two-digit code", "25 ok\r\n"],
      ["a four-digit code", "2500 ok\r\n"],
      ["a code outside 2xx-5xx", "600 ok\r\n"],
      ["a code glued to its text", "250ok\r\n"],
    ])("rejects %s", (_, input) => {
      protocolErrorOf(() => parseAll(input));
    });

    it("rejects a continuation line with a different code", () => {
      const error = protocolErrorOf(() => parseAll("250-first\r\n251 second\r\n"));
      expect(error.message).toMatch(/continues a 250 reply/);
    });
  });

  describe("raw lines for the transcript", () => {
    it("reports each line as it arrives, before its reply is complete", () => {
      const lines: string[] = [];
      const parser = new ReplyParser(LIMITS, { onLine: (line) => lines.push(line) });
      parser.push(bytes("250-mx.lab.test\r\n250-PIPE"));
      expect(lines).toEqual(["250-mx.lab.test"]);
      parser.push(bytes("LINING\r\n250 8BITMIME\n"));
      expect(lines).toEqual(["250-mx.lab.test", "250-PIPELINING", "250 8BITMIME"]);
    });

    it("reports a garbage line before failing on it", () => {
      const lines: string[] = [];
      const parser = new ReplyParser(LIMITS, { onLine: (line) => lines.push(line) });
      protocolErrorOf(() => parser.push(bytes("HTTP/1.1 400 Bad Request\r\n")));
      expect(lines).toEqual(["HTTP/1.1 400 Bad Request"]);
    });
  });

  describe("end of input", () => {
    it("finish() returns a last reply sent without its line ending", () => {
      const parser = new ReplyParser(LIMITS);
      expect(parser.push(bytes("421 4.3.2 closing"))).toEqual([]);
      expect(parser.finish()).toEqual([
        { code: 421, enhanced: "4.3.2", lines: ["closing"], text: "closing" },
      ]);
    });

    it("finish() drops an unfinished multi-line reply", () => {
      const parser = new ReplyParser(LIMITS);
      parser.push(bytes("250-first\r\n"));
      expect(parser.finish()).toEqual([]);
    });

    it("discardPending() forgets partial input and reports its size", () => {
      const parser = new ReplyParser(LIMITS);
      parser.push(bytes("250-first\r\n250 sec"));
      expect(parser.discardPending()).toBe(7);
      expect(parser.push(bytes("220 fresh\r\n"))).toEqual([
        { code: 220, enhanced: null, lines: ["fresh"], text: "fresh" },
      ]);
    });
  });
});

describe("EHLO extensions", () => {
  const reply = parseAll(
    [
      "250-mx.lab.test greets client.test",
      "250-PIPELINING",
      "250-SIZE 10240000",
      "250-8BITMIME",
      "250-smtputf8",
      "250-AUTH PLAIN LOGIN",
      "250-AUTH=LOGIN CRAM-MD5",
      "250-ENHANCEDSTATUSCODES",
      "250-STARTTLS",
      "250-(not a keyword)",
      "250 DSN",
      "",
    ].join("\r\n"),
  )[0] as Reply;

  it("maps upper-cased keywords to their parameters, skipping the greeting line", () => {
    expect(Object.fromEntries(parseEhloExtensions(reply))).toEqual({
      PIPELINING: "",
      SIZE: "10240000",
      "8BITMIME": "",
      SMTPUTF8: "",
      AUTH: "PLAIN LOGIN CRAM-MD5",
      ENHANCEDSTATUSCODES: "",
      STARTTLS: "",
      DSN: "",
    });
  });

  it("summarises the extensions a relay test needs", () => {
    expect(capabilitiesOf(parseEhloExtensions(reply))).toEqual({
      pipelining: true,
      startTls: true,
      size: true,
      sizeLimit: 10240000,
      eightBitMime: true,
      smtpUtf8: true,
      enhancedStatusCodes: true,
      authMechanisms: ["PLAIN", "LOGIN", "CRAM-MD5"],
    });
  });

  it("treats SIZE 0 as advertised without a limit", () => {
    const capabilities = capabilitiesOf(new Map([["SIZE", "0"]]));
    expect(capabilities).toMatchObject({ size: true, sizeLimit: null, pipelining: false });
  });
});
