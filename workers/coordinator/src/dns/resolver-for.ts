import { DohResolver } from "../../../../shared/dns/doh-resolver.ts";
import type { Resolver, ReverseResolver } from "../../../../shared/dns/resolver.ts";
import { ZoneResolver } from "../../../../shared/dns/zone-resolver.ts";
import type { CoordinatorConfig } from "../env.ts";

/**
 * The one resolver of the coordinator: a zone file in tests and local dev (never the internet),
 * DNS over HTTPS in production. The API, the page, the queues and the cron all take it from here.
 */
export function resolverFor(config: Pick<CoordinatorConfig, "dns">): Resolver & ReverseResolver {
  return "zone" in config.dns
    ? new ZoneResolver(config.dns.zone)
    : new DohResolver(config.dns.dohEndpoint);
}
