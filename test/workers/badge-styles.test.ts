/**
 * shields' badge-maker inside workerd, through the real route and D1: every style and the label
 * parameter, their validation, their escaping, and an ETag per rendering.
 */
import { describe, expect, it } from "vitest";
import { BADGE_STYLES } from "../../workers/coordinator/src/badge/svg.ts";
import { badgeMessage, insertCheck, uniqueDomain } from "./badge-fixtures.ts";
import { callMain } from "./coordinator-helpers.ts";

function badgeUrl(domain: string, query: Record<string, string>): string {
  return `/badge/${domain}.svg?${new URLSearchParams(query)}`;
}

async function expectInvalidRequest(response: Response, field: string) {
  expect(response.status).toBe(400);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { code: string; message: string };
  expect(body.code).toBe("invalid_request");
  expect(body.message).toMatch(new RegExp(`^${field}: `));
}

describe("GET /badge/{domain}.svg?style=&label= (badge-maker in the Workers runtime)", () => {
  it("renders every shields style through the route, each with its own ETag and 304", async () => {
    const domain = uniqueDomain("styles");
    await insertCheck({ domain });
    const etags = new Map<string, string>();
    for (const style of BADGE_STYLES) {
      const response = await callMain(badgeUrl(domain, { style }));
      expect(response.status, style).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
      expect(response.headers.get("cache-control")).toBe("public, max-age=300, s-maxage=300");
      const svg = await response.text();
      expect(svg, style).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="[\d.]+"/);
      expect(svg, style).toMatch(/ role="img" aria-label="relay: closed"><title>relay: closed</i);
      expect(badgeMessage(svg).toLowerCase(), style).toBe("closed");
      const etag = response.headers.get("etag") ?? "";
      expect(etag, style).toMatch(/^"[0-9a-f]{32}"$/);
      etags.set(style, etag);
    }
    expect(new Set(etags.values()).size).toBe(BADGE_STYLES.length);

    // Each rendering revalidates with its own ETag only.
    const flat = etags.get("flat") ?? "";
    const cached = await callMain(badgeUrl(domain, { style: "flat" }), {
      headers: { "if-none-match": flat },
    });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe("");
    const otherStyle = await callMain(badgeUrl(domain, { style: "plastic" }), {
      headers: { "if-none-match": flat },
    });
    expect(otherStyle.status).toBe(200);
  });

  it("takes the embedder's label, with its own ETag, and keeps the verdict's colour", async () => {
    const domain = uniqueDomain("label");
    await insertCheck({ domain, verdict: "open" });
    const plain = await callMain(`/badge/${domain}.svg`);
    // shields' colour parameters are not ours to take: the colour is the verdict's.
    const labelled = await callMain(
      badgeUrl(domain, { label: "mail relay", color: "brightgreen", labelColor: "#4c1" }),
    );
    expect(labelled.status).toBe(200);
    const svg = await labelled.text();
    expect(svg).toContain('aria-label="mail relay: OPEN"');
    expect(svg).toContain(">mail relay</text>");
    expect(svg).toContain('fill="#e05d44"');
    expect(svg).not.toContain("#4c1");
    expect(labelled.headers.get("etag")).not.toBe(plain.headers.get("etag"));
    expect(labelled.headers.get("x-relaywatch-reason")).toBe(
      plain.headers.get("x-relaywatch-reason"),
    );
  });

  it("escapes a hostile label: markup, quotes and ampersands stay text", async () => {
    const domain = uniqueDomain("hostile");
    const response = await callMain(
      badgeUrl(domain, { label: `<script>alert("x")</script>'&amp;`, style: "social" }),
    );
    expect(response.status).toBe(200);
    const svg = await response.text();
    expect(svg).not.toContain("<script");
    expect(svg).toContain(
      'aria-label="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&apos;&amp;amp;: unknown"',
    );
  });

  it("refuses a bad style or label with the stable JSON error, whatever the domain", async () => {
    const domain = uniqueDomain("refused");
    await expectInvalidRequest(await callMain(badgeUrl(domain, { style: "popout" })), "style");
    await expectInvalidRequest(await callMain(badgeUrl(domain, { style: "FLAT" })), "style");
    await expectInvalidRequest(
      await callMain(badgeUrl(domain, { label: "x".repeat(65) })),
      "label",
    );
    for (const label of ["\u202eNEPO", "a\u0000b", "bell\u0007", "two\nlines"])
      await expectInvalidRequest(await callMain(badgeUrl(domain, { label })), "label");
    await expectInvalidRequest(
      await callMain(badgeUrl("not_a_domain", { style: "popout" })),
      "style",
    );
  });

  it("draws the invalid-domain badge in the asked style", async () => {
    const response = await callMain(badgeUrl("not_a_domain", { style: "for-the-badge" }));
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    const svg = await response.text();
    expect(svg).toContain('height="28"');
    expect(badgeMessage(svg)).toBe("INVALID DOMAIN");
  });
});
