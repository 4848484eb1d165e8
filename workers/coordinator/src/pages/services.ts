import type { MiddlewareHandler } from "hono";
import type { AppContext } from "../context.ts";
import { DohResolver } from "../dns/doh-resolver.ts";
import { ZoneResolver } from "../dns/zone-resolver.ts";
import { readConfig } from "../env.ts";

/**
 * The same configuration and resolver the API middleware gives /api/*: the page starts checks
 * through the same service, so it needs them too.
 */
export const pageServices: MiddlewareHandler<AppContext> = async (c, next) => {
  c.set("config", readConfig(c.env));
  c.set(
    "resolver",
    c.env.DNS_ZONE ? new ZoneResolver(c.env.DNS_ZONE) : new DohResolver(c.env.DOH_ENDPOINT),
  );
  await next();
};
