import { describe, expect, it } from "vitest";
import { insertCheck, uniqueDomain } from "./badge-fixtures.ts";
import { TEST_ZONE } from "./coordinator-env.ts";
import { callMain, callWithEnv, expectApiError, postJson } from "./coordinator-helpers.ts";

interface ListingAnswer {
  domain: string;
  token: string;
  verified: boolean;
  record: { name: string; type: string; value: string };
  verify: string;
  instructions: string;
}

async function requestListing(domain: string) {
  const response = await callMain("/api/v1/public-list", postJson({ domain }));
  return { response, body: (await response.json()) as ListingAnswer };
}

/** The coordinator's zone plus `_relaywatch` TXT records publishing these listings' tokens. */
function zoneWith(listings: ListingAnswer[]): string {
  return `${TEST_ZONE}\n${listings.map((l) => `${l.record.name}. IN TXT "${l.record.value}"`).join("\n")}\n`;
}

function verify(domain: string, zone?: string) {
  const init = postJson({});
  const path = `/api/v1/public-list/${domain}/verify`;
  return zone === undefined ? callMain(path, init) : callWithEnv(path, init, { DNS_ZONE: zone });
}

describe("the opt-in public list", () => {
  it("answers a request with a token and the TXT record to publish, the same token each time", async () => {
    const domain = uniqueDomain("request");
    const { response, body } = await requestListing(domain.toUpperCase());
    expect(response.status).toBe(202);
    expect(body).toMatchObject({
      domain,
      verified: false,
      record: { name: `_relaywatch.${domain}`, type: "TXT" },
      verify: `/api/v1/public-list/${domain}/verify`,
    });
    expect(body.token).toMatch(/^[0-9a-f]{32}$/);
    expect(body.record.value).toBe(`relaywatch-verify=${body.token}`);
    expect(body.instructions).toContain(body.record.value);
    expect((await requestListing(domain)).body.token).toBe(body.token);
  });

  it("verifies only when the TXT record is published", async () => {
    const domain = uniqueDomain("verify");
    const { body } = await requestListing(domain);
    await expectApiError(await verify(domain), 422, "verification_failed", /_relaywatch\./);
    const wrongToken = { ...body, record: { ...body.record, value: "relaywatch-verify=nope" } };
    await expectApiError(await verify(domain, zoneWith([wrongToken])), 422, "verification_failed");

    const verified = await verify(domain, zoneWith([body]));
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ domain, verified: true });
    const again = await requestListing(domain);
    expect(again.response.status).toBe(200);
    expect(again.body.verified).toBe(true);
  });

  it("takes the badge's port from the TXT record the owner publishes, and from nowhere else", async () => {
    const domain = uniqueDomain("listing-port");
    const response = await callMain("/api/v1/public-list", postJson({ domain, port: 587 }));
    const body = (await response.json()) as ListingAnswer;
    expect(body.record.value).toBe(`relaywatch-verify=${body.token} port=587`);
    // Someone else asking for port 2525 changes nothing the owner has not published.
    await callMain("/api/v1/public-list", postJson({ domain, port: 2525 }));
    const verified = await verify(domain, zoneWith([body]));
    expect(await verified.json()).toMatchObject({ domain, verified: true, port: 587 });
    // The badge now speaks of port 587 (an open verdict there, so it stays off the public list).
    await insertCheck({ domain, port: 587, verdict: "open" });
    expect(await (await callMain(`/badge/${domain}.svg`)).text()).toContain(">OPEN<");
  });

  it("refuses bad input in the stable error shape", async () => {
    await expectApiError(
      await callMain("/api/v1/public-list", postJson({ domain: "not_a_domain" })),
      400,
      "invalid_domain",
    );
    await expectApiError(
      await callMain("/api/v1/public-list", postJson({ domain: "a.example", extra: 1 })),
      400,
      "invalid_request",
    );
    await expectApiError(await callMain("/api/v1/public-list", postJson("{")), 400, "invalid_json");
    await expectApiError(await verify("never-requested.example"), 404, "not_found");
  });

  it("shows only verified domains whose badge is green, as JSON and as an escaped page", async () => {
    const listed = uniqueDomain("listed");
    const open = uniqueDomain("open");
    const oneVantage = uniqueDomain("one-vantage");
    const unverified = uniqueDomain("unverified");
    const listedCheck = await insertCheck({ domain: listed });
    await insertCheck({ domain: open, verdict: "open" });
    await insertCheck({ domain: oneVantage, vantagesPerAddress: 1 });
    await insertCheck({ domain: unverified });
    const requested = [];
    for (const domain of [listed, open, oneVantage, unverified])
      requested.push((await requestListing(domain)).body);
    const zone = zoneWith(requested);
    for (const domain of [listed, open, oneVantage])
      expect((await verify(domain, zone)).status).toBe(200);

    // A newer check of part of the catalogue is not what the badge rests on: the link stays.
    await insertCheck({ domain: listed, caseIds: ["localhost-sender"] });

    const json = await callMain("/api/v1/public-list");
    expect(json.status).toBe(200);
    const { domains } = (await json.json()) as {
      domains: { domain: string; lastCheckedAt: number; report: string }[];
    };
    expect(domains.map((entry) => entry.domain)).toEqual([listed]);
    expect(domains[0]?.report).toBe(`/report/${listedCheck}`);
    expect(domains[0]?.lastCheckedAt).toEqual(expect.any(Number));

    const page = await callMain("/public");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(`<td>${listed}</td>`);
    expect(html).toContain(`href="/report/${listedCheck}"`);
    for (const hidden of [open, oneVantage, unverified]) expect(html).not.toContain(hidden);
  });
});
