import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  badgeDomainRow,
  badgeMessage,
  DAY_MS,
  insertCheck,
  uniqueDomain,
} from "./badge-fixtures.ts";
import { callMain } from "./coordinator-helpers.ts";

async function badge(domain: string, headers: Record<string, string> = {}) {
  const response = await callMain(`/badge/${domain}.svg`, { headers });
  const svg = await response.text();
  return { response, svg, message: response.status === 304 ? null : badgeMessage(svg) };
}

describe("GET /badge/{domain}.svg", () => {
  it("is unknown (grey) for a domain never checked, and does not record it", async () => {
    const domain = uniqueDomain("never");
    const { response, svg, message } = await badge(domain);
    expect(response.status).toBe(200);
    expect(message).toBe("unknown");
    expect(svg).toContain('fill="#9f9f9f"');
    expect(svg).toContain('aria-label="relay: unknown"');
    expect(await badgeDomainRow(domain)).toBeNull();
  });

  it("is closed (green) when every address was closed from two regions within 30 days", async () => {
    const domain = uniqueDomain("closed");
    await insertCheck({ domain, vantagesPerAddress: 2 });
    const { response, svg, message } = await badge(domain);
    expect(response.status).toBe(200);
    expect(message).toBe("closed");
    expect(svg).toContain('fill="#4c1"');
    expect(svg).toContain("<title>relay: closed</title>");
  });

  it("is unknown when the addresses were closed from one vantage only", async () => {
    const domain = uniqueDomain("one-vantage");
    await insertCheck({ domain, vantagesPerAddress: 1 });
    const { response, message } = await badge(domain);
    expect(message).toBe("unknown");
    expect(response.headers.get("x-relaywatch-reason")).toMatch(/1 independent outside vantage/);
  });

  it("is unknown when the closed check is older than 30 days", async () => {
    const domain = uniqueDomain("stale");
    await insertCheck({ domain, ageMs: 31 * DAY_MS });
    expect((await badge(domain)).message).toBe("unknown");
  });

  it("turns OPEN (red) at once when a newer check is open, and grey when a newer one failed", async () => {
    const open = uniqueDomain("turned-open");
    await insertCheck({ domain: open, ageMs: 2 * DAY_MS });
    expect((await badge(open)).message).toBe("closed");
    await insertCheck({ domain: open, ageMs: 60_000, verdict: "open" });
    const turned = await badge(open);
    expect(turned.message).toBe("OPEN");
    expect(turned.svg).toContain('fill="#e05d44"');

    const failed = uniqueDomain("turned-failed");
    await insertCheck({ domain: failed, ageMs: 2 * DAY_MS });
    await insertCheck({ domain: failed, ageMs: 60_000, status: "failed" });
    expect((await badge(failed)).message).toBe("unknown");
  });

  it("is never made green by a check of part of the catalogue (issue 8: whitewash)", async () => {
    const domain = uniqueDomain("one-case");
    await insertCheck({ domain, caseIds: ["localhost-sender"] });
    const { response, message } = await badge(domain);
    expect(message).toBe("unknown");
    expect(response.headers.get("x-relaywatch-reason")).toBe("never checked");
  });

  it("is not changed by a check of part of the catalogue or of another port (vandalism)", async () => {
    const domain = uniqueDomain("port-25");
    await insertCheck({ domain, ageMs: 2 * DAY_MS });
    expect((await badge(domain)).message).toBe("closed");
    await insertCheck({ domain, ageMs: 120_000, port: 587, status: "failed" });
    await insertCheck({
      domain,
      ageMs: 60_000,
      caseIds: ["canary-sender"],
      verdict: "inconclusive",
    });
    expect((await badge(domain)).message).toBe("closed");
  });

  it("is about the port of the owner's verified listing when it names one", async () => {
    const domain = uniqueDomain("port-587");
    await insertCheck({ domain, ageMs: 2 * DAY_MS, port: 587 });
    expect((await badge(domain)).message).toBe("unknown");
    await env.DB.prepare(
      "insert into public_listings (domain, token, port, requested_at, verified_at) values (?, 't', 587, ?, ?)",
    )
      .bind(domain, Date.now(), Date.now())
      .run();
    expect((await badge(domain)).message).toBe("closed");
  });

  it("keeps the last finished verdict while a newer check is still running", async () => {
    const domain = uniqueDomain("running");
    await insertCheck({ domain, ageMs: 2 * DAY_MS });
    await insertCheck({ domain, ageMs: 1_000, status: "running" });
    expect((await badge(domain)).message).toBe("closed");
  });

  it("says suspect in orange, and unknown for an inconclusive check", async () => {
    const suspect = uniqueDomain("suspect");
    await insertCheck({ domain: suspect, verdict: "suspect" });
    const shown = await badge(suspect);
    expect(shown.message).toBe("suspect");
    expect(shown.svg).toContain('fill="#fe7d37"');
    const inconclusive = uniqueDomain("inconclusive");
    await insertCheck({ domain: inconclusive, verdict: "inconclusive" });
    expect((await badge(inconclusive)).message).toBe("unknown");
  });

  it("is an SVG with a short public cache and an ETag that answers If-None-Match with 304", async () => {
    const domain = uniqueDomain("etag");
    await insertCheck({ domain });
    const first = await badge(domain);
    expect(first.response.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(first.response.headers.get("cache-control")).toBe("public, max-age=300, s-maxage=300");
    const etag = first.response.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);

    const again = await badge(domain, { "if-none-match": `W/${etag}, "other"` });
    expect(again.response.status).toBe(304);
    expect(again.svg).toBe("");
    expect(again.response.headers.get("etag")).toBe(etag);

    // The verdict changes, so does the ETag: a cached closed badge is not revalidated as fresh.
    await insertCheck({ domain, ageMs: 1_000, verdict: "open" });
    const changed = await badge(domain, { "if-none-match": etag ?? "" });
    expect(changed.response.status).toBe(200);
    expect(changed.message).toBe("OPEN");
  });

  it("records a checked domain in badge_domains: first and last served", async () => {
    const domain = uniqueDomain("recorded");
    await insertCheck({ domain });
    const before = Date.now();
    await badge(domain.toUpperCase());
    const first = await badgeDomainRow(domain);
    expect(first?.first_served_at).toBeGreaterThanOrEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await badge(domain);
    const second = await badgeDomainRow(domain);
    expect(second?.first_served_at).toBe(first?.first_served_at);
    expect(second?.last_served_at).toBeGreaterThan(first?.last_served_at ?? Infinity);
  });

  it("answers a name that is not a domain with a grey 400 badge, recording nothing", async () => {
    for (const path of ["/badge/not_a_domain.svg", "/badge/127.0.0.1.svg", "/badge/example.com"]) {
      const response = await callMain(path);
      expect(response.status, path).toBe(400);
      expect(response.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
      expect(badgeMessage(await response.text())).toBe("invalid domain");
    }
    expect(await badgeDomainRow("not_a_domain")).toBeNull();
    expect(await badgeDomainRow("127.0.0.1")).toBeNull();
  });
});

describe("GET /api/v1/domains/{domain}/history", () => {
  it("lists the latest finished checks, newest first, with the badge decision", async () => {
    const domain = uniqueDomain("history");
    const older = await insertCheck({ domain, ageMs: 3 * DAY_MS });
    const newer = await insertCheck({ domain, ageMs: DAY_MS, verdict: "open" });
    await insertCheck({ domain, ageMs: 1_000, status: "running" });
    const response = await callMain(`/api/v1/domains/${domain}/history?limit=5`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      domain: string;
      badge: { status: string };
      checks: { id: string; verdict: string; createdAt: number; finishedAt: number }[];
    };
    expect(body.domain).toBe(domain);
    expect(body.badge.status).toBe("open");
    expect(body.checks.map((check) => [check.id, check.verdict])).toEqual([
      [newer, "open"],
      [older, "closed"],
    ]);
    const limited = await callMain(`/api/v1/domains/${domain}/history?limit=1`);
    expect(((await limited.json()) as { checks: unknown[] }).checks).toHaveLength(1);
  });

  it("refuses a bad domain or limit in the stable error shape", async () => {
    const bad = await callMain("/api/v1/domains/not_a_domain/history");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_domain" });
    const limit = await callMain("/api/v1/domains/example.com/history?limit=0");
    expect(limit.status).toBe(400);
    expect(await limit.json()).toMatchObject({ code: "invalid_request" });
  });
});
