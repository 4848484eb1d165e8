import ipaddr from "ipaddr.js";
import { TooManyRequests } from "../access/errors.ts";
import type { CheckPlan } from "../checks/plan.ts";
import { ConfigError, type CoordinatorEnv } from "../env.ts";

/**
 * Per-node caps, so no probe host becomes a hammer (and gets blocklisted for it): each node runs
 * at most `checksPerMinute` probe runs a minute, and at most `checksPerPrefixPerHour` an hour to
 * the addresses of one network (an IPv4 /24, an IPv6 /48), whoever asks. Counted in D1
 * `node_usage` in fixed windows when a check is planned; stated on /about/probes. They sit beside
 * the registry's concurrency slots (leases.ts), which bound how many of those runs a node has in
 * flight at once: the caps bound how many it starts over time, and where.
 */
export interface NodeCaps {
  checksPerMinute: number;
  checksPerPrefixPerHour: number;
}

export const DEFAULT_NODE_CAPS: NodeCaps = { checksPerMinute: 30, checksPerPrefixPerHour: 20 };
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

function positive(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  if (!/^[1-9]\d{0,6}$/.test(text))
    throw new ConfigError(`${name} must be a positive whole number`);
  return Number.parseInt(text, 10);
}

export function nodeCaps(env: CoordinatorEnv): NodeCaps {
  return {
    checksPerMinute: positive(
      env.NODE_CHECKS_PER_MINUTE,
      "NODE_CHECKS_PER_MINUTE",
      DEFAULT_NODE_CAPS.checksPerMinute,
    ),
    checksPerPrefixPerHour: positive(
      env.NODE_CHECKS_PER_PREFIX_PER_HOUR,
      "NODE_CHECKS_PER_PREFIX_PER_HOUR",
      DEFAULT_NODE_CAPS.checksPerPrefixPerHour,
    ),
  };
}

/** The /24 or /48 an address belongs to, as the per-network cap counts it. */
export function targetPrefix(address: string): string {
  const parsed = ipaddr.process(address);
  const length = parsed.kind() === "ipv4" ? 24 : 48;
  const bytes = parsed.toByteArray().map((byte, index) => (index * 8 < length ? byte : 0));
  return `${ipaddr.fromByteArray(bytes).toString()}/${length}`;
}

interface Take {
  nodeId: string;
  bucket: string;
  windowStart: number;
  runs: number;
  limit: number;
}

const TAKE_SQL = `insert into node_usage (node_id, bucket, window_start, runs) values (?1, ?2, ?3, ?4)
  on conflict (node_id, bucket) do update set
    runs = case when window_start = excluded.window_start then runs + excluded.runs else excluded.runs end,
    window_start = excluded.window_start
  where window_start <> excluded.window_start or runs + excluded.runs <= ?5
  returning runs`;

const GIVE_BACK_SQL = `update node_usage set runs = max(runs - ?4, 0)
  where node_id = ?1 and bucket = ?2 and window_start = ?3`;

/** Takes every unit at once (one D1 round trip); true where the cap allowed it. */
async function take(db: D1Database, takes: Take[]): Promise<boolean[]> {
  if (takes.length === 0) return [];
  const results = await db.batch(
    takes.map((t) => db.prepare(TAKE_SQL).bind(t.nodeId, t.bucket, t.windowStart, t.runs, t.limit)),
  );
  const written = results.map((result) => result.results.length > 0);
  // A single check asking more than the whole cap is refused, and a fresh window's row that
  // took it anyway gets its runs back.
  const oversized = takes.filter((t, index) => written[index] && t.runs > t.limit);
  await giveBack(db, oversized);
  return takes.map((t, index) => written[index] === true && t.runs <= t.limit);
}

async function giveBack(db: D1Database, takes: Take[]): Promise<void> {
  if (takes.length === 0) return;
  await db.batch(
    takes.map((t) => db.prepare(GIVE_BACK_SQL).bind(t.nodeId, t.bucket, t.windowStart, t.runs)),
  );
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

export interface CapacityReservation {
  plan: CheckPlan;
  /** Gives the runs back when the check is not started after all. */
  release(): Promise<void>;
}

/**
 * Takes the plan's probe runs from each node's caps. A node over its minute cap drops out of the
 * check, and a node over its cap for a network drops its runs to that network; an address left
 * with no vantage is listed as not tested. 429 node_capacity when nothing is left to run.
 */
export async function reserveNodeCapacity(
  env: CoordinatorEnv,
  plan: CheckPlan,
  now: number,
): Promise<CapacityReservation> {
  const caps = nodeCaps(env);
  const minuteStart = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const hourStart = Math.floor(now / HOUR_MS) * HOUR_MS;
  const byNode = countBy(plan.vantages, (vantage) => vantage.nodeId);
  const minuteTakes: Take[] = [...byNode].map(([nodeId, runs]) => ({
    nodeId,
    bucket: "minute",
    windowStart: minuteStart,
    runs: runs.length,
    limit: caps.checksPerMinute,
  }));
  const minuteTaken = await take(env.DB, minuteTakes);
  const admittedNodes = new Set(minuteTakes.filter((_, i) => minuteTaken[i]).map((t) => t.nodeId));
  const prefixTakes: Take[] = [];
  for (const nodeId of admittedNodes) {
    const byPrefix = countBy(byNode.get(nodeId) ?? [], (vantage) => targetPrefix(vantage.address));
    for (const [prefix, runs] of byPrefix) {
      prefixTakes.push({
        nodeId,
        bucket: prefix,
        windowStart: hourStart,
        runs: runs.length,
        limit: caps.checksPerPrefixPerHour,
      });
    }
  }
  const prefixTaken = await take(env.DB, prefixTakes);
  const refusedPrefixes = new Set(
    prefixTakes.filter((_, i) => !prefixTaken[i]).map((t) => `${t.nodeId} ${t.bucket}`),
  );
  const kept = plan.vantages.filter(
    (vantage) =>
      admittedNodes.has(vantage.nodeId) &&
      !refusedPrefixes.has(`${vantage.nodeId} ${targetPrefix(vantage.address)}`),
  );
  // Runs a node gave up for a capped network go back to its minute.
  const unusedMinutes: Take[] = minuteTakes
    .filter((t) => admittedNodes.has(t.nodeId))
    .map((t) => ({ ...t, runs: t.runs - kept.filter((v) => v.nodeId === t.nodeId).length }))
    .filter((t) => t.runs > 0);
  await giveBack(env.DB, unusedMinutes);
  const taken = [
    ...minuteTakes
      .filter((t) => admittedNodes.has(t.nodeId))
      .map((t) => ({ ...t, runs: kept.filter((v) => v.nodeId === t.nodeId).length })),
    ...prefixTakes.filter((_, i) => prefixTaken[i]),
  ].filter((t) => t.runs > 0);
  const release = () => giveBack(env.DB, taken);
  if (kept.length === plan.vantages.length) return { plan, release };
  if (kept.length === 0) {
    const minuteRefused = admittedNodes.size < minuteTakes.length;
    const retryAt =
      minuteRefused && admittedNodes.size === 0 ? minuteStart + MINUTE_MS : hourStart + HOUR_MS;
    throw new TooManyRequests(
      "node_capacity",
      `every probe node that could test this target has reached its cap (${caps.checksPerMinute} checks a minute, ` +
        `${caps.checksPerPrefixPerHour} an hour to one /24 or /48); this protects the networks we test and our probe hosts`,
      (retryAt - now) / 1000,
    );
  }
  const testedAddresses = new Set(kept.map((vantage) => vantage.address));
  const refused = [...plan.refused];
  const mailHosts = plan.mailHosts
    .map((host) => {
      for (const address of host.addresses.filter((a) => !testedAddresses.has(a))) {
        refused.push({
          host: host.host,
          address,
          reason: `every probe node that could test ${address} has reached its hourly cap for ${targetPrefix(address)}; try again later`,
        });
      }
      return { ...host, addresses: host.addresses.filter((a) => testedAddresses.has(a)) };
    })
    .filter((host) => host.addresses.length > 0);
  return { plan: { ...plan, mailHosts, refused, vantages: kept }, release };
}
