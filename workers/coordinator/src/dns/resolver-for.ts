import { DohResolver } from "../../../../shared/dns/doh-resolver.ts";
import type { Resolver, ReverseResolver } from "../../../../shared/dns/resolver.ts";
import { ZoneResolver } from "../../../../shared/dns/zone-resolver.ts";
import type { CoordinatorEnv } from "../env.ts";

/**
 * The one resolver of the coordinator: a zone file in tests and local dev (never the internet),
 * DNS over HTTPS in production. The API, the page, the queues and the cron all take it from here.
 */
export function resolverFor(env: CoordinatorEnv): Resolver & ReverseResolver {
  return env.DNS_ZONE ? new ZoneResolver(env.DNS_ZONE) : new DohResolver(env.DOH_ENDPOINT);
}
