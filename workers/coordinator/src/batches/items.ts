import { GuardError, parseHostInput } from "../../../../shared/guard/index.ts";
import type { CreateBatchRequest } from "../../../../shared/schemas/batch.ts";
import { itemPort } from "./port.ts";
import type { NewBatchItem } from "./store.ts";

/** Longer raw input is cut when stored as a refused item; the error says what was wrong. */
const MAX_STORED_INPUT = 253;

/**
 * Turns the requested domains into batch items, in the order given: duplicates (by the name the
 * guard reads, so "Example.org" and "example.org." are one, and by the port the item would be
 * tested on, so one domain on 25 and on 587 is two) are dropped, and a name the guard refuses,
 * or an address where a domain is expected, becomes a refused item with its reason. Ports are
 * judged later, with the addresses they would be used on, when the queue starts each check.
 */
export function batchItemsFor(
  request: Pick<CreateBatchRequest, "domains" | "port">,
): NewBatchItem[] {
  const seen = new Set<string>();
  const items: NewBatchItem[] = [];
  for (const requested of request.domains) {
    const { domain: input, port = null } =
      typeof requested === "string" ? { domain: requested } : requested;
    const judged = judgeDomain(input);
    const key = `${judged.domain.toLowerCase()} ${itemPort(port, request.port ?? null)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    items.push({ position: items.length, port, ...judged });
  }
  return items;
}

function judgeDomain(input: string): Omit<NewBatchItem, "position" | "port"> {
  try {
    const parsed = parseHostInput(input);
    if (parsed.kind === "name") return { domain: parsed.name, status: "queued", error: null };
    return {
      domain: input,
      status: "refused",
      error: `invalid_domain: "${input}" is an address, not a domain`,
    };
  } catch (error) {
    if (!(error instanceof GuardError)) throw error;
    return {
      domain: input.slice(0, MAX_STORED_INPUT),
      status: "refused",
      error: `${error.code}: ${error.message}`,
    };
  }
}
