import type { Resolver } from "../../../../shared/dns/resolver.ts";
import { checkAddress, GuardError } from "../../../../shared/guard/index.ts";
import { webhookHostName } from "./url.ts";

/** What deciding where a webhook URL leads needs: the coordinator's DNS and loopback policy. */
export interface WebhookHostPolicy {
  resolver: Resolver;
  /** Only local development and tests (ALLOW_LOOPBACK_TARGETS), as for probe targets. */
  allowLoopback: boolean;
}

/**
 * Why a webhook's host name may not be called: `unresolved` when it has no A or AAAA record,
 * `forbidden` when one of its addresses is one the target guard refuses.
 */
export interface WebhookHostRefusal {
  kind: "unresolved" | "forbidden";
  message: string;
}

/**
 * Resolves the host name of a checked webhook URL (see checkWebhookUrl) and guards every
 * address with the probe targets' guard: one refused address refuses the URL, since the caller
 * cannot choose which address a request goes to. Null when the URL may be called, and at once
 * for a literal address, which checkWebhookUrl already guarded. DNS failures (DnsError)
 * propagate: they say nothing about the URL.
 */
export async function refusalOfWebhookHost(
  checkedUrl: string,
  policy: WebhookHostPolicy,
): Promise<WebhookHostRefusal | null> {
  const name = webhookHostName(checkedUrl);
  if (name === null) return null;
  const addresses = await policy.resolver.addresses(name);
  if (addresses.length === 0) {
    return {
      kind: "unresolved",
      message: `webhook host ${name} does not resolve (it has no A or AAAA record)`,
    };
  }
  for (const address of addresses) {
    try {
      checkAddress(address, { allowLoopback: policy.allowLoopback });
    } catch (error) {
      if (!(error instanceof GuardError)) throw error;
      return {
        kind: "forbidden",
        message: `webhook host ${name} resolves to a refused address: ${error.message}`,
      };
    }
  }
  return null;
}
