import { Hono } from "hono";
import { z } from "zod";
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
import { readJsonBody } from "../validation.ts";

const ListingRequest = z
  .object({
    domain: z.string().min(1).max(253),
    /** The port the badge is about (default 25); it goes into the TXT value to publish. */
    port: z.number().int().min(1).max(65_535).default(25),
  })
  .strict();

function domainOrThrow(input: string): string {
  const domain = parseDomainName(input);
  if (domain === null) throw new BadRequest("invalid_domain", `"${input}" is not a domain name`);
  return domain;
}

/** The opt-in public list of passing domains, proven by a TXT record (`/api/v1/public-list`). */
export const publicListApiRoutes = new Hono<AppContext>()
  .post("/", async (c) => {
    const { domain: input, port } = ListingRequest.parse(await readJsonBody(c.req.raw));
    const domain = domainOrThrow(input);
    const listing = await requestListing(openDatabase(c.env.DB), domain, Date.now());
    const verify = `/api/v1/public-list/${domain}/verify`;
    const record = {
      name: verificationName(domain),
      type: "TXT",
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
  })
  .post("/:domain/verify", async (c) => {
    const domain = domainOrThrow(c.req.param("domain"));
    const db = openDatabase(c.env.DB);
    const listing = await findListing(db, domain);
    if (!listing) throw new NotFound(`no listing was requested for ${domain}`);
    const port = await publishedPort(c.var.resolver, listing);
    if (port === null) throw new VerificationFailed(listing);
    const verifiedAt = await markVerified(db, listing, port, Date.now());
    return c.json({ domain, verified: true, verifiedAt, port });
  })
  .get("/", async (c) => {
    const domains = await passingPublicDomains(openDatabase(c.env.DB), Date.now());
    return c.json({ domains });
  });

/** `GET /public`: the same list as a page. */
export const publicPageRoutes = new Hono<AppContext>().get("/", async (c) => {
  const entries = await passingPublicDomains(openDatabase(c.env.DB), Date.now());
  c.header("Cache-Control", "public, max-age=300");
  return c.html(renderPublicPage(entries));
});
