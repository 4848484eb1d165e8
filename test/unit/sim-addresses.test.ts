import { describe, expect, it } from "vitest";
import { analyseAddress, formatMailbox, parsePathArgument } from "../../lab/sim/addresses.ts";

const HOST = "mail.lab.example";
const CANARY = "canary.relaywatch.test";
const isOwn = (domain: string) => domain === HOST || domain === "[127.0.0.1]";

describe("parsePathArgument", () => {
  it("splits the path from ESMTP parameters", () => {
    expect(parsePathArgument("FROM:<a@b.example> SIZE=100 BODY=8BITMIME", "FROM")).toEqual({
      path: "a@b.example",
      parameters: ["SIZE=100", "BODY=8BITMIME"],
    });
  });

  it("accepts the null path, a space after the colon and a path without brackets", () => {
    expect(parsePathArgument("FROM:<>", "FROM")?.path).toBe("");
    expect(parsePathArgument("from: <a@b.example>", "FROM")?.path).toBe("a@b.example");
    expect(parsePathArgument("TO:a@b.example", "TO")?.path).toBe("a@b.example");
  });

  it("keeps a > inside a quoted local part", () => {
    expect(parsePathArgument('TO:<"a>b"@c.example>', "TO")?.path).toBe('"a>b"@c.example');
  });

  it("rejects a wrong keyword or an unclosed bracket", () => {
    expect(parsePathArgument("TO:<a@b.example>", "FROM")).toBeNull();
    expect(parsePathArgument("FROM:<a@b.example", "FROM")).toBeNull();
  });
});

describe("analyseAddress", () => {
  const cases: [string, string, string | null, string][] = [
    [`tok@${CANARY}`, "none", CANARY, `tok@${CANARY}`],
    [`tok%${CANARY}@${HOST}`, "percent", HOST, `tok@${CANARY}`],
    [`tok%${CANARY}@[127.0.0.1]`, "percent", "[127.0.0.1]", `tok@${CANARY}`],
    [`"tok@${CANARY}"`, "quoted-at", null, `tok@${CANARY}`],
    [`"tok%${CANARY}"`, "percent", null, `tok@${CANARY}`],
    [`tok%${CANARY}`, "percent", null, `tok@${CANARY}`],
    [`tok@${CANARY}@${HOST}`, "double-at", HOST, `tok@${CANARY}`],
    [`"tok@${CANARY}"@${HOST}`, "quoted-at", HOST, `tok@${CANARY}`],
    [`"tok@${CANARY}@${HOST}"`, "quoted-at", null, `tok@${CANARY}`],
    [`@${HOST}:tok@${CANARY}`, "source-route", HOST, `tok@${CANARY}`],
    [`@${HOST},@relay.example:tok@${CANARY}`, "source-route", HOST, `tok@${CANARY}`],
    [`${CANARY}!tok`, "bang", null, `tok@${CANARY}`],
    [`${CANARY}!tok@${HOST}`, "bang", HOST, `tok@${CANARY}`],
    [`tok@${CANARY}@`, "double-at", null, `tok@${CANARY}`],
    ["postmaster", "none", null, "postmaster"],
    [`Alice@${HOST.toUpperCase()}`, "none", HOST, `Alice@${HOST}`],
  ];
  it.each(cases)("%s uses %s, written to %s, leading to %s", (path, trick, outer, destination) => {
    const analysis = analyseAddress(path, isOwn);
    expect(analysis.trick).toBe(trick);
    expect(analysis.outerDomain).toBe(outer);
    expect(formatMailbox(analysis.destination)).toBe(destination);
  });
});
