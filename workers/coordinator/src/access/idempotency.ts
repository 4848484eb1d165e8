import type { CreateCheckRequest } from "../../../../shared/schemas/api.ts";
import type { CheckRow } from "../db/repository.ts";
import { Unprocessable } from "../errors.ts";

/**
 * The key a check is stored under for an Idempotency-Key header: scoped to the API key, or for
 * anonymous callers to their network (IPv4 address or IPv6 /64), so two callers who both send
 * "retry-1" never meet, and a stranger cannot learn another's target by guessing its key. The
 * space keeps it apart from every header value, which is printable ASCII without spaces, and
 * from batch items.
 */
export function scopedIdempotencyKey(
  header: string,
  apiKeyId: string | null,
  clientNetwork: string,
): string {
  return apiKeyId === null ? `anonymous ${clientNetwork} ${header}` : `key ${apiKeyId} ${header}`;
}

/** What a retry must repeat: every part of the request the stored check was started from. */
function differences(
  replayed: CheckRow,
  request: CreateCheckRequest,
  webhookUrl: string | null,
): string[] {
  const kind = "domain" in request ? "domain" : "host";
  const target = ("domain" in request ? request.domain : request.host)
    .toLowerCase()
    .replace(/\.$/, "");
  const sameCases =
    JSON.stringify([...(request.cases ?? [])].sort()) ===
    JSON.stringify([...(replayed.mx?.caseIds ?? [])].sort());
  return [
    replayed.kind !== kind || replayed.target !== target ? "target" : null,
    (replayed.port ?? 25) !== (request.port ?? 25) ? "port" : null,
    (replayed.proof !== null) !== (request.proof === true) ? "proof" : null,
    sameCases ? null : "cases",
    (replayed.webhookUrl ?? null) !== webhookUrl ? "webhook" : null,
    (replayed.mx?.implicitTls ?? null) !== (request.implicitTls ?? null) ? "implicitTls" : null,
  ].filter((field) => field !== null);
}

/** A retry must be the same request: the key names one check, not "whatever came first". */
export function assertSameRequest(
  replayed: CheckRow,
  request: CreateCheckRequest,
  webhookUrl: string | null,
): void {
  const changed = differences(replayed, request, webhookUrl);
  if (changed.length === 0) return;
  throw new Unprocessable(
    "idempotency_key_reused",
    `this Idempotency-Key was used for a check of ${replayed.target} port ${replayed.port ?? 25} with a different ${changed.join(", ")}; use a new key for a different request`,
  );
}
