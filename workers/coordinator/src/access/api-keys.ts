import type { MiddlewareHandler } from "hono";
import type { AppContext } from "../context.ts";
import { API_KEY_PATTERN, hashApiKey } from "./api-key-format.ts";
import { InvalidApiKey } from "./errors.ts";
import { countKeyRequest } from "./usage.ts";

/** Who a keyed request comes from, with the limits of the key. */
export interface ApiKeyIdentity {
  id: string;
  name: string;
  dailyQuota: number;
  ratePerMinute: number;
}

declare module "hono" {
  interface ContextVariableMap {
    /** Set by `authenticate` when the request carries a valid key; undefined when anonymous. */
    apiKey: ApiKeyIdentity | undefined;
  }
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

interface ApiKeyRecord {
  id: string;
  name: string;
  daily_quota: number;
  rate_per_minute: number;
  revoked_at: number | null;
}

/** The key an Authorization header names, or an InvalidApiKey refusal. */
export async function verifyApiKey(db: D1Database, authorization: string): Promise<ApiKeyIdentity> {
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) {
    throw new InvalidApiKey("send the API key as `Authorization: Bearer rw_...`");
  }
  // Well-formed keys only reach D1, so garbage costs no query.
  if (!API_KEY_PATTERN.test(token)) throw new InvalidApiKey("this is not a Relaywatch API key");
  const record = await db
    .prepare(
      "select id, name, daily_quota, rate_per_minute, revoked_at from api_keys where key_hash = ?",
    )
    .bind(await hashApiKey(token))
    .first<ApiKeyRecord>();
  if (record === null) throw new InvalidApiKey("unknown API key");
  if (record.revoked_at !== null) throw new InvalidApiKey("this API key has been revoked");
  return {
    id: record.id,
    name: record.name,
    dailyQuota: record.daily_quota,
    ratePerMinute: record.rate_per_minute,
  };
}

/**
 * Identifies the caller of an API request. Without an Authorization header the request is
 * anonymous (and later held to the anonymous limits); with one, the key must be valid, and every
 * request counts against the key's per-minute rate.
 */
export const authenticate: MiddlewareHandler<AppContext> = async (c, next) => {
  const authorization = c.req.header("authorization");
  if (authorization === undefined) {
    c.set("apiKey", undefined);
    return next();
  }
  const apiKey = await verifyApiKey(c.env.DB, authorization);
  // Set before counting, so a refusal past the key's rate still reports the key's limits.
  c.set("apiKey", apiKey);
  await countKeyRequest(c.env.DB, apiKey, Date.now());
  return next();
};
