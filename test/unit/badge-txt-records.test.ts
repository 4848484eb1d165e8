import { describe, expect, it } from "vitest";
import { DohResolver } from "../../shared/dns/doh-resolver.ts";
import { joinCharacterStrings } from "../../shared/dns/resolver.ts";
import { ZoneResolver } from "../../shared/dns/zone-resolver.ts";

/** TXT support the public list's ownership proof relies on. */
describe("TXT records", () => {
  it("joins quoted character-strings and resolves escapes", () => {
    expect(joinCharacterStrings(`"relaywatch-verify=" "abc"`)).toBe("relaywatch-verify=abc");
    expect(joinCharacterStrings(`"say \\"hi\\" \\\\ \\065"`)).toBe(`say "hi" \\ A`);
    expect(joinCharacterStrings("bare-word")).toBe("bare-word");
  });

  it("reads TXT records from a zone, with or without TTL and class", () => {
    const zone = new ZoneResolver(`
$ORIGIN example.
_relaywatch.site   IN TXT "relaywatch-verify=abc"
_relaywatch.site   300 IN TXT "v=spf1 " "-all"
txt                TXT "owner named txt"
site               IN A 192.0.2.1
`);
    return Promise.all([
      expect(zone.txt("_relaywatch.site.example.")).resolves.toEqual([
        "relaywatch-verify=abc",
        "v=spf1 -all",
      ]),
      expect(zone.txt("txt.example")).resolves.toEqual(["owner named txt"]),
      expect(zone.txt("site.example")).resolves.toEqual([]),
      expect(zone.txt("missing.example")).resolves.toEqual([]),
    ]);
  });

  it("asks DNS over HTTPS for type TXT and unquotes the answers", async () => {
    const asked: string[] = [];
    const fetcher = (async (url: string) => {
      asked.push(url);
      return Response.json({
        Status: 0,
        Answer: [
          { name: "_relaywatch.site.example.", type: 16, data: `"relaywatch-verify=" "abc"` },
          { name: "site.example.", type: 5, data: "other.example." },
        ],
      });
    }) as typeof fetch;
    const resolver = new DohResolver("https://doh.test/dns-query", fetcher);
    await expect(resolver.txt("_relaywatch.site.example")).resolves.toEqual([
      "relaywatch-verify=abc",
    ]);
    expect(asked).toEqual(["https://doh.test/dns-query?name=_relaywatch.site.example&type=TXT"]);
  });
});
