import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { DomainHistory, DomainHistoryQuery } from "../../../../shared/schemas/api.ts";
import { badgeFor, badgeStatusOf, INVALID_DOMAIN_BADGE } from "../badge/badge.ts";
import { parseDomainName } from "../badge/domain-name.ts";
import { etagOf, matchesEtag } from "../badge/etag.ts";
import { recordBadgeServed, verdictHistory } from "../badge/store.ts";
import { BadgeOptions, renderBadge } from "../badge/svg.ts";
import type { AppContext } from "../context.ts";
import { openDatabase } from "../db/client.ts";
import { BadRequest } from "../errors.ts";
import { component, errorResponses, jsonResponse } from "./openapi-document.ts";

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

const Svg = { "image/svg+xml": { schema: z.string() } };

/**
 * `GET /badge/{domain}.svg[?style=&label=]`: an SVG even for a bad name, since an <img> cannot
 * show JSON. A bad parameter is the embedder's mistake, made once while writing the URL: it gets
 * the JSON error, which says what to fix.
 */
export const badgeRoutes = new OpenAPIHono<AppContext>().openapi(
  createRoute({
    method: "get",
    path: "/{file}",
    operationId: "getBadge",
    summary:
      "An SVG badge from the domain's latest check with the whole catalogue on the badge's port (25, or the verified listing's)",
    tags: ["badge"],
    security: [],
    description:
      "Drawn by shields.io's badge-maker, with shields' `style` and `label` parameters; the colour is the verdict's. A name that is not a domain gets a grey SVG with 400; a bad `style` or `label` gets the JSON error.",
    request: {
      params: z.object({ file: z.string().describe("the domain followed by `.svg`") }),
      query: BadgeOptions,
    },
    responses: {
      200: { description: "The badge", content: Svg },
      304: { description: "Not modified since the `If-None-Match` ETag" },
      400: { description: "Not a domain name: a grey “invalid domain” badge", content: Svg },
    },
  }),
  async (c) => {
    const { file } = c.req.valid("param");
    const options = c.req.valid("query");
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
  },
);

/** `GET /api/v1/domains/{domain}/history`: the latest finished checks, for the report page. */
export const domainRoutes = new OpenAPIHono<AppContext>().openapi(
  createRoute({
    method: "get",
    path: "/{domain}/history",
    operationId: "getDomainHistory",
    summary: "Earlier verdicts of a domain and its current badge",
    tags: ["badge"],
    security: [],
    request: { params: z.object({ domain: z.string() }), query: DomainHistoryQuery },
    responses: {
      200: jsonResponse(component("DomainHistory", DomainHistory), "The history, newest first"),
      ...errorResponses(400),
    },
  }),
  async (c) => {
    const domain = parseDomainName(c.req.valid("param").domain);
    if (domain === null) throw new BadRequest("invalid_domain", "that is not a domain name");
    const { limit } = c.req.valid("query");
    const db = openDatabase(c.env.DB);
    const [checks, badge] = await Promise.all([
      verdictHistory(db, domain, limit),
      badgeStatusOf(db, domain, Date.now()),
    ]);
    return c.json({ domain, badge, checks }, 200);
  },
);
