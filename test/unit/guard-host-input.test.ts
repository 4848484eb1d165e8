/**
 * What a user types as the host to test. Names are validated here and resolved elsewhere;
 * address literals in any spelling go on to checkAddress. Nothing is resolved or contacted.
 */
import { describe, expect, it, vi } from "vitest";
import {
  type CheckedTarget,
  checkAddress,
  type GuardCode,
  type GuardPolicy,
  guardedConnect,
  parseHostInput,
} from "../../shared/guard/index.ts";
import { refusalOf } from "./guard-refusal.ts";

const STRICT: GuardPolicy = { allowLoopback: false };

/** The whole path from typed text to a socket, with the resolver and connector as spies. */
function connectToTypedHost(
  input: string,
  resolve: (name: string) => string,
  connect: (target: CheckedTarget) => unknown,
): unknown {
  const host = parseHostInput(input);
  const address = host.kind === "name" ? resolve(host.name) : host.address;
  return guardedConnect(connect, address, 25, STRICT);
}

const MAX_NAME = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;

interface HostileInput {
  input: string;
  code: GuardCode;
  message: RegExp;
}

const hostile = (input: string, code: GuardCode, message: RegExp): HostileInput => ({
  input,
  code,
  message,
});

const NOT_A_HOST: HostileInput[] = [
  hostile("", "invalid_host", /^No host given/),
  hostile("localhost", "invalid_host", /always means this machine itself/),
  hostile("LocalHost", "invalid_host", /always means this machine itself/),
  hostile("localhost.", "invalid_host", /always means this machine itself/),
  hostile("mail.localhost", "invalid_host", /always means this machine itself/),
  hostile(
    "printer.local",
    "invalid_host",
    /under \.local, which only names hosts on a local network/,
  ),
  hostile(
    "db.internal",
    "invalid_host",
    /under \.internal, which only names hosts on a local network/,
  ),
  hostile("router.home.arpa", "invalid_host", /under \.home\.arpa/),
  hostile("HOME.ARPA.", "invalid_host", /under \.home\.arpa/),
  hostile("mail", "invalid_host", /is not a full host name; .* such as mail\.example\.org/),
  hostile(`${MAX_NAME}d`, "invalid_host", /is 254 characters long; a host name has at most 253/),
  hostile(
    `${"x".repeat(64)}.example.org`,
    "invalid_host",
    /a part of 64 characters; .* at most 63/,
  ),
  hostile("mail_server.example.org", "invalid_host", /contains "_"; host names may only contain/),
  hostile("_dmarc.example.org", "invalid_host", /contains "_"/),
  hostile("mail server.example.org", "invalid_host", /contains a space/),
  hostile(" mail.example.org", "invalid_host", /contains a space/),
  hostile("mail.example.org ", "invalid_host", /contains a space/),
  hostile("mail.example.org..", "invalid_host", /ends with an empty part/),
  hostile(".", "invalid_host", /ends with an empty part/),
  hostile(".mail.example.org", "invalid_host", /an empty part between dots/),
  hostile("mail..example.org", "invalid_host", /an empty part between dots/),
  hostile("-mail.example.org", "invalid_host", /starts or ends with a hyphen/),
  hostile("mail-.example.org", "invalid_host", /starts or ends with a hyphen/),
  hostile("xn--.example.org", "invalid_host", /starts or ends with a hyphen/),
  hostile("mail.example.org;id", "invalid_host", /contains ";"/),
  hostile("mail.example.org%0d%0a", "invalid_host", /contains "%"/),
  hostile("a".repeat(2000), "invalid_host", /far too long/),
  hostile(
    "m\u0430il.example.org",
    "invalid_host",
    /non-ASCII character "\u0430" \(U\+0430\); .*punycode form: xn--mil-6cd\.example\.org$/,
  ),
  hostile("\u4f8b\u3048.jp", "invalid_host", /punycode form: xn--r8jz45g\.jp$/),
  hostile("mail\u200b.example.org", "invalid_host", /invisible or space character \(U\+200B\)/),
  hostile("mail.example.org\u200d", "invalid_host", /invisible or space character \(U\+200D\)/),
  hostile("\u202emoc.elpmaxe", "invalid_host", /invisible or space character \(U\+202E\)/),
  hostile("mail\u00a0.example.org", "invalid_host", /invisible or space character \(U\+00A0\)/),
  hostile(
    "\uff4d\uff41\uff49\uff4c.example.org",
    "invalid_host",
    /looks like "m" but is a different/,
  ),
  hostile("\uff11\uff12\uff17.\uff10.\uff10.\uff11", "invalid_host", /looks like "1"/),
  hostile("e\u0301.example.org", "invalid_host", /non-ASCII character \(U\+0301\)/),
  hostile("http://127.0.0.1", "invalid_host", /looks like a URL; enter only the host/),
  hostile("https://mail.example.org/", "invalid_host", /looks like a URL/),
  hostile("smtp://mail.example.org:25", "invalid_host", /looks like a URL/),
  hostile("mail.example.org/path", "invalid_host", /looks like a URL/),
  hostile("//127.0.0.1", "invalid_host", /looks like a URL/),
  hostile("127.0.0.1:25", "invalid_host", /includes a port; enter only the host/),
  hostile("mail.example.org:587", "invalid_host", /includes a port/),
  hostile("localhost:25", "invalid_host", /includes a port/),
  hostile("[::1]:25", "invalid_host", /includes a port/),
  hostile("[::1]x", "invalid_host", /text after the closing "\]"/),
  hostile("[::1", "invalid_host", /unclosed "\["/),
  hostile("postmaster@example.org", "invalid_host", /looks like an email address/),
  hostile(
    "mail.example.org\r\nRCPT TO:<victim@example.org>",
    "invalid_host",
    /contains a control character \(\\r\)/,
  ),
  hostile("mail.example.org\nQUIT", "invalid_host", /contains a control character \(\\n\)/),
  hostile("mail.example.org\u0000", "invalid_host", /control character \(\\u\{0\}\)/),
  hostile("mail.example.org\t", "invalid_host", /control character \(\\t\)/),
  hostile("mail.example.org\u0085", "invalid_host", /control character \(\\u\{85\}\)/),
  hostile("example.123", "invalid_address", /not a valid IPv4 address, and a host name cannot end/),
  hostile("1.2.3.4.5", "invalid_address", /not a valid IPv4 address/),
  hostile("256.0.0.1", "invalid_address", /not a valid IPv4 address/),
  hostile("08.0.0.1", "invalid_address", /not a valid IPv4 address/),
  hostile("mail.0x7g", "invalid_host", /ends in "0x7g"; .*starts with a letter/),
  hostile("127.0.0.1a", "invalid_host", /ends in "1a"/),
  hostile("mail.0x", "invalid_address", /not a valid IPv4 address/),
  hostile("[mail.example.org]", "invalid_address", /brackets are only for IP addresses/),
  hostile("[IPv6:mail.example.org]", "invalid_address", /brackets are only for IP addresses/),
  hostile("::1::", "invalid_address", /is not a valid IPv6 address/),
  hostile("fe80::1%eth0", "invalid_address", /zone id/),
  hostile("[fe80::1%25eth0]", "invalid_address", /zone id/),
];

/** Parsed as addresses, whatever the spelling, and then refused by checkAddress. */
const ADDRESS_SPELLINGS: HostileInput[] = [
  "0",
  "0.0.0.0",
  "0.0.0.0.",
  "::",
  "[::]",
  "[::1]",
  "::1",
  "[IPv6:::1]",
  "127.0.0.1",
  "127.0.0.1.",
  "[127.0.0.1]",
  "2130706433",
  "0177.0.0.1",
  "0x7f.0.0.1",
  "0x7f000001",
  "127.1",
  "::ffff:127.0.0.1",
  "[::ffff:7f00:1]",
  "10.0.0.1",
  "169.254.169.254",
  "0xa9fea9fe",
].map((input) => hostile(input, "forbidden_address", /Relaywatch only tests public mail servers$/));

const HOSTILE_INPUTS = [...NOT_A_HOST, ...ADDRESS_SPELLINGS];

describe("parseHostInput, then checkAddress, refuses", () => {
  it.each(HOSTILE_INPUTS)("$input", ({ input, code, message }) => {
    const resolve = vi.fn((_name: string) => "8.8.8.8");
    const connect = vi.fn();
    const error = refusalOf(() => connectToTypedHost(input, resolve, connect));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(error.message.length).toBeLessThan(300);
    expect(resolve).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  });

  it("has at least 80 hostile host inputs in its tables", () => {
    expect(HOSTILE_INPUTS.length).toBeGreaterThanOrEqual(80);
  });

  it("refuses non-string input from untyped callers", () => {
    expect(refusalOf(() => parseHostInput(42 as unknown as string)).code).toBe("invalid_host");
  });
});

describe("parseHostInput accepts", () => {
  it.each([
    ["mail.example.org", "mail.example.org"],
    ["MX1.Example.COM", "mx1.example.com"],
    ["mail.example.org.", "mail.example.org"],
    ["a.b", "a.b"],
    ["mx.lab.test", "mx.lab.test"],
    ["no-such-host.invalid", "no-such-host.invalid"],
    ["mail-1.example.org", "mail-1.example.org"],
    ["1mail.example.org", "1mail.example.org"],
    ["123.example.org", "123.example.org"],
    ["xn--r8jz45g.jp", "xn--r8jz45g.jp"],
    ["xn--mil-6cd.example.org", "xn--mil-6cd.example.org"],
    [`${"x".repeat(63)}.example.org`, `${"x".repeat(63)}.example.org`],
    [MAX_NAME, MAX_NAME],
    [`${MAX_NAME}.`, MAX_NAME],
  ])("the name %s", (input, name) => {
    expect(parseHostInput(input)).toEqual({ kind: "name", name });
  });

  it.each([
    ["8.8.8.8", "8.8.8.8", "8.8.8.8"],
    ["8.8.8.8.", "8.8.8.8", "8.8.8.8"],
    ["[8.8.8.8]", "8.8.8.8", "8.8.8.8"],
    ["134744072", "134744072", "8.8.8.8"],
    ["2606:4700::1111", "2606:4700::1111", "2606:4700::1111"],
    ["[2606:4700::1111]", "2606:4700::1111", "2606:4700::1111"],
    ["[IPv6:2606:4700::1111]", "2606:4700::1111", "2606:4700::1111"],
    ["::ffff:8.8.8.8", "::ffff:8.8.8.8", "8.8.8.8"],
  ])("the address %s, which checkAddress then canonicalizes", (input, address, canonical) => {
    expect(parseHostInput(input)).toEqual({ kind: "address", address });
    expect(checkAddress(address, STRICT)).toBe(canonical);
  });

  it("resolves an accepted name once and connects to the checked address", () => {
    const resolve = vi.fn((_name: string) => "::ffff:1.1.1.1");
    const connect = vi.fn((target: CheckedTarget) => target);
    expect(connectToTypedHost("MAIL.example.org.", resolve, connect)).toEqual({
      address: "1.1.1.1",
      port: 25,
    });
    expect(resolve).toHaveBeenCalledExactlyOnceWith("mail.example.org");
  });

  it("still guards what a public-looking name resolves to", () => {
    const resolve = vi.fn((_name: string) => "10.0.0.1");
    const connect = vi.fn();
    const error = refusalOf(() => connectToTypedHost("mail.example.org", resolve, connect));
    expect(error.code).toBe("forbidden_address");
    expect(connect).not.toHaveBeenCalled();
  });
});
