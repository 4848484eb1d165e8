import { desc, eq, isNotNull } from "drizzle-orm";
import { DnsError, type Resolver } from "../../../../shared/dns/resolver.ts";
import type { PublicEntry } from "../../../../shared/schemas/api.ts";
import { SMTP_PORT } from "../../../../shared/smtp/ports.ts";
import type { Database } from "../db/client.ts";
import { publicListings } from "../db/schema.ts";
import { ApiException, ServiceUnavailable } from "../errors.ts";
import { badgeStatusOf } from "./badge.ts";
import { TOKEN_PREFIX, verificationName, verificationValue } from "./listing-record.ts";
import { latestBadgeCheck } from "./store.ts";

/** Verified listings examined per public list request; each costs a few D1 queries. */
const MAX_LISTED = 200;

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export type Listing = typeof publicListings.$inferSelect;

/**
 * The listing request of a domain, made on first call. Asking again returns the same token:
 * the token proves nothing by itself, only its presence in the domain's DNS does.
 */
export async function requestListing(db: Database, domain: string, now: number) {
  await db
    .insert(publicListings)
    .values({ domain, token: newToken(), requestedAt: now })
    .onConflictDoNothing({ target: publicListings.domain });
  const listing = await db
    .select()
    .from(publicListings)
    .where(eq(publicListings.domain, domain))
    .get();
  if (!listing) throw new Error(`listing of ${domain} is missing right after its insert`);
  return listing;
}

export async function findListing(db: Database, domain: string): Promise<Listing | null> {
  return (
    (await db.select().from(publicListings).where(eq(publicListings.domain, domain)).get()) ?? null
  );
}

/**
 * The badge port `_relaywatch.<domain>` publishes with this listing's token, or null when it
 * does not publish the token; DNS failures are a 503.
 */
export async function publishedPort(resolver: Resolver, listing: Listing): Promise<number | null> {
  const pattern = new RegExp(`^${TOKEN_PREFIX}${listing.token}(?:\\s+port=(\\d{1,5}))?$`);
  try {
    const records = await resolver.txt(verificationName(listing.domain));
    for (const record of records) {
      const match = pattern.exec(record.trim());
      const port = Number(match?.[1] ?? SMTP_PORT);
      if (match && port >= 1 && port <= 65_535) return port;
    }
    return null;
  } catch (error) {
    if (error instanceof DnsError) throw new ServiceUnavailable("dns_failure", error.message);
    throw error;
  }
}

export async function markVerified(
  db: Database,
  listing: Listing,
  port: number,
  now: number,
): Promise<number> {
  const verifiedAt = listing.verifiedAt ?? now;
  await db
    .update(publicListings)
    .set({ verifiedAt, port })
    .where(eq(publicListings.domain, listing.domain));
  return verifiedAt;
}

export class VerificationFailed extends ApiException {
  constructor(listing: Listing) {
    super(
      422,
      "verification_failed",
      `no TXT record ${verificationName(listing.domain)} with the value ` +
        `"${verificationValue(listing.token)}" was found; publish it and try again (DNS caches may delay it)`,
    );
  }
}

/** Verified domains whose badge is green right now, most recently verified first. */
export async function passingPublicDomains(db: Database, now: number): Promise<PublicEntry[]> {
  const verified = await db
    .select()
    .from(publicListings)
    .where(isNotNull(publicListings.verifiedAt))
    .orderBy(desc(publicListings.verifiedAt))
    .limit(MAX_LISTED);
  const entries = await Promise.all(
    verified.map(async (listing): Promise<PublicEntry | null> => {
      const decision = await badgeStatusOf(db, listing.domain, now);
      if (decision.status !== "closed") return null;
      const latest = await latestBadgeCheck(db, listing.domain);
      if (!latest) return null;
      return {
        domain: listing.domain,
        verifiedAt: listing.verifiedAt ?? listing.requestedAt,
        lastCheckedAt: latest.finishedAt,
        report: `/report/${latest.id}`,
      };
    }),
  );
  return entries.filter((entry): entry is PublicEntry => entry !== null);
}
