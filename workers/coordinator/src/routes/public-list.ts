import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Hono } from "hono";
import {
  ListingInstructions,
  ListingRequest,
  ListingVerified,
  PublicList,
} from "../../../../shared/schemas/api.ts";
import { parseDomainName } from "../badge/domain-name.ts";
import { verificationName, verificationValue } from "../badge/listing-record.ts";
import {
  findListing,
  markVerified,
  passingPublicDomains,
  publishedPort,
  requestListing,
  VerificationFailed,
} from "../badge/public-list.ts";
import { renderPublicPage } from "../badge/public-page.ts";
import type { AppContext } from "../context.ts";
import { openDatabase } from "../db/client.ts";
import { BadRequest, NotFound } from "../errors.ts";
import { jsonBody } from "../validation.ts";
import { component, errorResponses, jsonResponse } from "./openapi-document.ts";

function domainOrThrow(input: string): string {
  const domain = parseDomainName(input);
  if (domain === null) throw new BadRequest("invalid_domain", `"${input}" is not a domain name`);
  return domain;
}

const Instructions = component("ListingInstructions", ListingInstructions);

/** The opt-in public list of passing domains, proven by a TXT record (`/api/v1/public-list`). */
export const publicListApiRoutes = new OpenAPIHono<AppContext>()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      operationId: "requestPublicListing",
      summary: "Ask to be listed: returns a token to publish as TXT `_relaywatch.<domain>`",
      tags: ["badge"],
      security: [],
      middleware: [jsonBody()],
      request: {
        body: { required: true, content: { "application/json": { schema: ListingRequest } } },
      },
      responses: {
        202: jsonResponse(Instructions, "The token and instructions"),
        200: jsonResponse(Instructions, "Already verified: the same, with `verified: true`"),
        ...errorResponses(400, 415),
      },
    }),
    async (c) => {
      const { domain: input, port } = c.req.valid("json");
      const domain = domainOrThrow(input);
      const listing = await requestListing(openDatabase(c.env.DB), domain, Date.now());
      const verify = `/api/v1/public-list/${domain}/verify`;
      const record = {
        name: verificationName(domain),
        type: "TXT" as const,
        value: verificationValue(listing.token, port),
      };
      return c.json(
        {
          domain,
          token: listing.token,
          verified: listing.verifiedAt !== null,
          record,
          verify,
          instructions:
            `Publish a TXT record ${record.name} with the value "${record.value}", then POST ${verify}. ` +
            "The domain is listed while its badge is green.",
        },
        listing.verifiedAt === null ? 202 : 200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{domain}/verify",
      operationId: "verifyPublicListing",
      summary: "Look up the TXT record and list the domain when it is there",
      tags: ["badge"],
      security: [],
      request: { params: z.object({ domain: z.string() }) },
      responses: {
        200: jsonResponse(
          component("ListingVerified", ListingVerified),
          "Verified; `port` is the badge's port, as the TXT record published it",
        ),
        ...errorResponses(400, 404, 422, 503),
      },
    }),
    async (c) => {
      const domain = domainOrThrow(c.req.valid("param").domain);
      const db = openDatabase(c.env.DB);
      const listing = await findListing(db, domain);
      if (!listing) throw new NotFound(`no listing was requested for ${domain}`);
      const port = await publishedPort(c.var.resolver, listing);
      if (port === null) throw new VerificationFailed(listing);
      const verifiedAt = await markVerified(db, listing, port, Date.now());
      return c.json({ domain, verified: true as const, verifiedAt, port }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      operationId: "getPublicList",
      summary: "Verified domains whose badge is currently green",
      tags: ["badge"],
      security: [],
      responses: {
        200: jsonResponse(component("PublicList", PublicList), "The list"),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const domains = await passingPublicDomains(openDatabase(c.env.DB), Date.now());
      return c.json({ domains }, 200);
    },
  );

/** `GET /public`: the same list as a page. */
export const publicPageRoutes = new Hono<AppContext>().get("/", async (c) => {
  const entries = await passingPublicDomains(openDatabase(c.env.DB), Date.now());
  c.header("Cache-Control", "public, max-age=300");
  return c.html(renderPublicPage(entries));
});
