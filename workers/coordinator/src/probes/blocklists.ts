import ipaddr from "ipaddr.js";
import type { Resolver, ReverseResolver } from "../../../../shared/dns/resolver.ts";
import { reversedLabels, reverseName } from "../../../../shared/dns/reverse-name.ts";
import { parseDomainName } from "../badge/domain-name.ts";
import { openDatabase } from "../db/client.ts";
import { resolverFor } from "../dns/resolver-for.ts";
import { ConfigError, type CoordinatorEnv, readConfig } from "../env.ts";
import { activeNodes } from "../nodes/registry.ts";

/**
 * Protecting the probe hosts: once a day the egress addresses of each active node of the registry
 * are looked up in the DNS blocklists (DNSBL_ZONES, over the coordinator's DoH resolver; the lab
 * zone locally) and their reverse DNS names refreshed. A listing is kept in node_listings from the lookup that first saw
 * it to the one that first saw it gone; reports mark the vantages of listed nodes, and the badge
 * takes no evidence from them (see listings.ts).
 */

export const DEFAULT_DNSBL_ZONES = ["zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org"];
export const BLOCKLIST_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** Addresses looked up per cron run (a minute): each costs one query per zone and a PTR. */
export const ADDRESSES_PER_RUN = 10;

export function blocklistZones(env: CoordinatorEnv): string[] {
  if (env.DNSBL_ZONES === undefined) return DEFAULT_DNSBL_ZONES;
  const zones = env.DNSBL_ZONES.split(",")
    .map((zone) => zone.trim())
    .filter((zone) => zone !== "");
  const parsed = zones.map(parseDomainName);
  if (parsed.some((zone) => zone === null) || parsed.length > 10) {
    throw new ConfigError("DNSBL_ZONES must be up to 10 comma-separated domain names");
  }
  return parsed as string[];
}

/**
 * What a blocklist says of an address: its 127.0.0.x answer when listed, null when not. Answers
 * outside 127.0.0.0/8, and Spamhaus's 127.255.255.x ("your resolver may not query us"), are
 * errors of the query, not listings: undefined, so nothing is recorded either way.
 */
export async function blocklistAnswer(
  resolver: Resolver,
  address: string,
  zone: string,
): Promise<string | null | undefined> {
  let answers: string[];
  try {
    answers = await resolver.addresses(`${reversedLabels(address)}.${zone}`);
  } catch {
    return undefined;
  }
  const v4 = answers.filter((answer) => ipaddr.IPv4.isValid(answer));
  if (v4.length === 0) return null;
  const listing = v4.filter(
    (answer) => answer.startsWith("127.") && !answer.startsWith("127.255.255."),
  );
  return listing.length > 0 ? listing.sort().join(",") : undefined;
}

interface Due {
  nodeId: string;
  address: string;
}

async function dueAddresses(env: CoordinatorEnv, now: number): Promise<Due[]> {
  const nodes = await activeNodes(openDatabase(env.DB), readConfig(env), now);
  const egress = nodes.flatMap((node) =>
    node.egress.map((address) => ({ nodeId: node.id, address })),
  );
  if (egress.length === 0) return [];
  const { results } = await env.DB.prepare(
    "select node_id, address from node_egress where checked_at > ?",
  )
    .bind(now - BLOCKLIST_INTERVAL_MS)
    .all<{ node_id: string; address: string }>();
  const fresh = new Set(results.map((row) => `${row.node_id} ${row.address}`));
  return egress.filter((e) => !fresh.has(`${e.nodeId} ${e.address}`)).slice(0, ADDRESSES_PER_RUN);
}

async function lookUp(
  env: CoordinatorEnv,
  resolver: Resolver & ReverseResolver,
  zones: string[],
  due: Due,
  now: number,
): Promise<void> {
  const [names, answers] = await Promise.all([
    resolver.ptr(reverseName(due.address)).catch(() => null),
    Promise.all(zones.map((zone) => blocklistAnswer(resolver, due.address, zone))),
  ]);
  const db = env.DB;
  const statements = [
    db
      .prepare(
        `insert into node_egress (node_id, address, reverse_name, checked_at) values (?1, ?2, ?3, ?4)
         on conflict (node_id, address) do update set
           reverse_name = coalesce(excluded.reverse_name, reverse_name), checked_at = excluded.checked_at`,
      )
      .bind(due.nodeId, due.address, names?.[0]?.slice(0, 253) ?? null, now),
  ];
  zones.forEach((zone, index) => {
    const answer = answers[index];
    if (answer === undefined) return;
    if (answer === null) {
      statements.push(
        db
          .prepare(
            `update node_listings set delisted_at = ?4
             where node_id = ?1 and address = ?2 and zone = ?3 and delisted_at is null`,
          )
          .bind(due.nodeId, due.address, zone, now),
      );
      return;
    }
    statements.push(
      db
        .prepare(
          `insert into node_listings (node_id, address, zone, answer, listed_at)
           select ?1, ?2, ?3, ?4, ?5 where not exists (
             select 1 from node_listings
             where node_id = ?1 and address = ?2 and zone = ?3 and delisted_at is null)`,
        )
        .bind(due.nodeId, due.address, zone, answer.slice(0, 100), now),
    );
  });
  await db.batch(statements);
}

/**
 * Listings no lookup will ever see gone: an address the registry no longer gives its node (an
 * operator changed the egress), or a blocklist no longer in DNSBL_ZONES. They end now, so a
 * node is not marked for an address it no longer sends from.
 */
async function endStaleListings(env: CoordinatorEnv, zones: string[], now: number): Promise<void> {
  await env.DB.prepare(
    `update node_listings set delisted_at = ?1
     where delisted_at is null and (
       zone not in (select value from json_each(?2))
       or not exists (
         select 1 from probe_nodes, json_each(probe_nodes.egress_json)
         where probe_nodes.id = node_listings.node_id and json_each.value = node_listings.address))`,
  )
    .bind(now, JSON.stringify(zones))
    .run();
}

/** The scheduled task: the addresses not looked up for a day, a few per run. */
export async function checkNodeBlocklists(env: CoordinatorEnv, now: number): Promise<void> {
  const zones = blocklistZones(env);
  await endStaleListings(env, zones, now);
  const due = await dueAddresses(env, now);
  if (due.length === 0) return;
  const resolver = resolverFor(env);
  for (const address of due) await lookUp(env, resolver, zones, address, now);
}
