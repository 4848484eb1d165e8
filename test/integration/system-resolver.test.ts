import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemResolver } from "../../cli/resolve.ts";
import { type RunningDnsServer, startDnsServer } from "../../lab/dns-server.ts";
import { resolveMailHosts } from "../../shared/dns/mail-hosts.ts";

/**
 * The CLI's default resolver reads MX records through c-ares. Here it asks a lab name server on
 * 127.0.0.1 in real DNS messages, so NXDOMAIN, no-data and the null MX's root name arrive as
 * c-ares reports them, not as a stand-in would guess.
 */
const ZONE = `
$ORIGIN lab.test.
two        IN MX 20 mx2.two
two        IN MX 10 mx1.two
mx1.two    IN A 127.0.0.1
mx2.two    IN AAAA ::1
implicit   IN A 127.0.0.1
nullmx     IN MX 0 .
`;

let dns: RunningDnsServer;
let resolver: SystemResolver;

beforeAll(async () => {
  dns = await startDnsServer(ZONE);
  resolver = new SystemResolver([dns.server]);
});
afterAll(() => dns.close());

describe("the CLI's system resolver (c-ares)", () => {
  it("reads MX records, an empty answer and NXDOMAIN as the shared MX selection needs them", async () => {
    expect(await resolver.mx("two.lab.test")).toEqual(
      expect.arrayContaining([
        { preference: 10, exchange: "mx1.two.lab.test" },
        { preference: 20, exchange: "mx2.two.lab.test" },
      ]),
    );
    expect(await resolver.mx("implicit.lab.test")).toEqual([]);
    expect(await resolver.mx("nothing.lab.test")).toBeNull();
  });

  it("sees a null MX as one with the root as its host, so it is refused", async () => {
    expect(await resolver.mx("nullmx.lab.test")).toEqual([{ preference: 0, exchange: "" }]);
    await expect(resolveMailHosts(resolver, "nullmx.lab.test")).rejects.toMatchObject({
      code: "null_mx",
    });
  });

  it("reports a name server that does not answer as a DNS failure", async () => {
    const silent = new SystemResolver(["127.0.0.1:1"]);
    await expect(silent.mx("two.lab.test")).rejects.toMatchObject({ code: "dns_failure" });
  });
});
