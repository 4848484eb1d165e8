import { DohResolver } from "../dns/doh-resolver.ts";
import type { Resolver } from "../dns/resolver.ts";
import { ZoneResolver } from "../dns/zone-resolver.ts";
import type { CoordinatorEnv } from "../env.ts";

/** The resolver the API uses, for work outside a request (the scheduled re-check). */
export function resolverFor(env: CoordinatorEnv): Resolver {
  return env.DNS_ZONE ? new ZoneResolver(env.DNS_ZONE) : new DohResolver(env.DOH_ENDPOINT);
}
