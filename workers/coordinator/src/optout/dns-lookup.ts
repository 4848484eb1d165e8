import type { Resolver } from "../../../../shared/dns/resolver.ts";
import { isOptOutRecord } from "./record.ts";

/**
 * Opt-out records as DNS says, cached briefly per isolate: a busy target costs one lookup per
 * five minutes, and an owner who adds or removes the record sees it honoured within that time.
 */
export const OPT_OUT_CACHE_SECONDS = 300;
/**
 * A lookup that has not answered by then counts as "no opt-out" and is not cached: reverse
 * zones are often lame, and a check must not wait on them for more than one short round trip.
 */
export const OPT_OUT_LOOKUP_TIMEOUT_MS = 2_000;
const MAX_CACHED_NAMES = 5_000;

const cache = new Map<string, { optedOut: boolean; expiresAt: number }>();

function remember(name: string, optedOut: boolean, now: number): void {
  if (cache.size >= MAX_CACHED_NAMES) {
    // Maps iterate in insertion order: drop the oldest entry.
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(name, { optedOut, expiresAt: now + OPT_OUT_CACHE_SECONDS * 1000 });
}

function withinTimeout<T>(work: Promise<T>): Promise<T | "timeout"> {
  let cancel = () => {};
  const timeout = new Promise<"timeout">((resolve) => {
    const timer = setTimeout(() => resolve("timeout"), OPT_OUT_LOOKUP_TIMEOUT_MS);
    cancel = () => clearTimeout(timer);
  });
  return Promise.race([work, timeout]).finally(() => cancel());
}

/** Whether `name` publishes an opt-out TXT record. Never throws: a failed lookup is a no. */
export async function publishesOptOut(
  resolver: Resolver,
  name: string,
  now = Date.now(),
): Promise<boolean> {
  const cached = cache.get(name);
  if (cached && cached.expiresAt > now) return cached.optedOut;
  try {
    const records = await withinTimeout(resolver.txt(name));
    if (records === "timeout") return false;
    const optedOut = records.some(isOptOutRecord);
    remember(name, optedOut, now);
    return optedOut;
  } catch (error) {
    console.warn(`opt-out lookup of ${name} failed; treated as no opt-out:`, error);
    return false;
  }
}
