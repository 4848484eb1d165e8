import { Hono } from "hono";
import { z } from "zod";
import { badgeFor, badgeStatusOf, INVALID_DOMAIN_BADGE } from "../badge/badge.ts";
import { parseDomainName } from "../badge/domain-name.ts";
import { etagOf, matchesEtag } from "../badge/etag.ts";
import { recordBadgeServed, verdictHistory } from "../badge/store.ts";
import { BadgeOptions, renderBadge } from "../badge/svg.ts";
import type { AppContext } from "../context.ts";
import { openDatabase } from "../db/client.ts";
import { BadRequest } from "../errors.ts";

/** Short, so an open relay or a failed check shows on READMEs within minutes. */
const BADGE_CACHE_CONTROL = "public, max-age=300, s-maxage=300";

async function svgResponse(svg: string, status: 200 | 400, ifNoneMatch: string | undefined) {
  const etag = await etagOf(svg);
  const headers = {
    "Content-Type": "image/svg+xml; charset=utf-8",
    "Cache-Control": BADGE_CACHE_CONTROL,
    ETag: etag,
  };
  if (status === 200 && matchesEtag(ifNoneMatch, etag))
    return new Response(null, { status: 304, headers });
  return new Response(svg, { status, headers });
}

/**
 * `GET /badge/{domain}.svg[?style=&label=]`: an SVG even for a bad name, since an <img> cannot
 * show JSON. A bad parameter is the embedder's mistake, made once while writing the URL: it gets
 * the JSON error, which says what to fix.
 */
export const badgeRoutes = new Hono<AppContext>().get("/:file", async (c) => {
  const options = BadgeOptions.parse(c.req.query());
  const file = c.req.param("file");
  const domain = file.endsWith(".svg") ? parseDomainName(file.slice(0, -".svg".length)) : null;
  const ifNoneMatch = c.req.header("if-none-match");
  if (domain === null)
    return svgResponse(renderBadge(INVALID_DOMAIN_BADGE, options), 400, ifNoneMatch);
  const db = openDatabase(c.env.DB);
  const now = Date.now();
  const [decision] = await Promise.all([
    badgeStatusOf(db, domain, now),
    recordBadgeServed(db, domain, now),
  ]);
  const response = await svgResponse(
    renderBadge(badgeFor(decision.status, decision.confirmed), options),
    200,
    ifNoneMatch,
  );
  // Why the badge is what it is, for whoever debugs a grey badge with curl.
  response.headers.set("X-Relaywatch-Reason", decision.reason);
  return response;
});

const HistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

/** `GET /api/v1/domains/{domain}/history`: the latest finished checks, for the report page. */
export const domainRoutes = new Hono<AppContext>().get("/:domain/history", async (c) => {
  const domain = parseDomainName(c.req.param("domain"));
  if (domain === null) throw new BadRequest("invalid_domain", "that is not a domain name");
  const { limit } = HistoryQuery.parse(c.req.query());
  const db = openDatabase(c.env.DB);
  const [checks, badge] = await Promise.all([
    verdictHistory(db, domain, limit),
    badgeStatusOf(db, domain, Date.now()),
  ]);
  return c.json({ domain, badge, checks });
});
