import { describe, expect, it } from "vitest";
import { resolveMailHosts } from "../../shared/dns/mail-hosts.ts";
import { ZoneResolver } from "../../shared/dns/zone-resolver.ts";

const zone = `
$ORIGIN lab.test.
a            MX 10 mx.a        ; no TTL, no class
b 300 IN     MX 20 mx2.b
b IN 300     MX 10 mx1.b       ; class before TTL
mx.a         A 127.0.0.1
mx1.b        AAAA ::1
mx2.b        A 127.0.0.1
implicit     A 127.0.0.1
alias        CNAME implicit
nomail       MX 0 .
dual         MX 10 mx.dual
mx.dual      A 192.0.2.1
mx.dual      A 192.0.2.2
mx.dual      A 192.0.2.1
mx.dual      AAAA 2001:db8::1
odd          MX 5 192.0.2.7.
odd          MX 20 mx.a
odd          MX 10 mx.a
literal      MX 10 192.0.2.7.
`;

describe("the zone-file resolver", () => {
  const resolver = new ZoneResolver(zone);

  it("reads MX records with or without TTL and class, in either order", async () => {
    expect(await resolver.mx("a.lab.test")).toEqual([
      { preference: 10, exchange: "mx.a.lab.test" },
    ]);
    expect(await resolver.mx("B.lab.test.")).toEqual([
      { preference: 20, exchange: "mx2.b.lab.test" },
      { preference: 10, exchange: "mx1.b.lab.test" },
    ]);
  });

  it("orders MX hosts by preference and falls back to the implicit MX", async () => {
    const hosts = await resolveMailHosts(resolver, "b.lab.test");
    expect(hosts.map((h) => [h.host, h.addresses])).toEqual([
      ["mx1.b.lab.test", ["::1"]],
      ["mx2.b.lab.test", ["127.0.0.1"]],
    ]);
    expect(await resolveMailHosts(resolver, "implicit.lab.test")).toEqual([
      { host: "implicit.lab.test", preference: null, addresses: ["127.0.0.1"] },
    ]);
    expect(await resolver.addresses("alias.lab.test")).toEqual(["127.0.0.1"]);
  });

  it("keeps IPv6 when it cuts a host's addresses to the limit, and drops repeats", async () => {
    const [host] = await resolveMailHosts(resolver, "dual.lab.test");
    expect(host?.addresses).toEqual(["192.0.2.1", "2001:db8::1"]);
    const [all] = await resolveMailHosts(resolver, "dual.lab.test", {
      maxMxHosts: 5,
      maxAddressesPerHost: 10,
    });
    expect(all?.addresses).toEqual(["192.0.2.1", "2001:db8::1", "192.0.2.2"]);
  });

  it("skips an MX that names an address, not a host, and tests a repeated host once", async () => {
    const hosts = await resolveMailHosts(resolver, "odd.lab.test");
    expect(hosts).toEqual([{ host: "mx.a.lab.test", preference: 10, addresses: ["127.0.0.1"] }]);
    await expect(resolveMailHosts(resolver, "literal.lab.test")).rejects.toMatchObject({
      code: "no_mail_host",
    });
  });

  it("refuses a null MX and a name that does not exist", async () => {
    await expect(resolveMailHosts(resolver, "nomail.lab.test")).rejects.toMatchObject({
      code: "null_mx",
    });
    await expect(resolveMailHosts(resolver, "nothing.lab.test")).rejects.toMatchObject({
      code: "no_such_domain",
    });
  });
});
