import type { MiddlewareHandler } from "hono";
import type { AppContext } from "../context.ts";
import { resolverFor } from "../dns/resolver-for.ts";
import { readConfig } from "../env.ts";

/**
 * The same configuration and resolver the API middleware gives /api/*: the page starts checks
 * through the same service, so it needs them too.
 */
export const pageServices: MiddlewareHandler<AppContext> = async (c, next) => {
  c.set("config", readConfig(c.env));
  c.set("resolver", resolverFor(c.env));
  await next();
};
