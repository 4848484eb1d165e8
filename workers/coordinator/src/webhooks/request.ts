import { DnsError, type Resolver } from "../../../../shared/dns/resolver.ts";
import { ApiKeyRequired } from "../access/errors.ts";
import type { CoordinatorConfig } from "../env.ts";
import { BadRequest, ServiceUnavailable, Unprocessable } from "../errors.ts";
import { refusalOfWebhookHost, type WebhookHostRefusal } from "./host-guard.ts";
import { checkWebhookUrl } from "./url.ts";

/**
 * The webhook URL a create request named, checked (see checkWebhookUrl) and, for a host name,
 * resolved and guarded (see refusalOfWebhookHost), or null for none. Refused up front where
 * deliveries could not be signed, rather than failing for a day.
 */
export async function acceptWebhookUrl(
  config: Pick<CoordinatorConfig, "allowLoopback" | "webhookSigningSecret">,
  resolver: Resolver,
  url: string | undefined,
  apiKeyId: string | null,
): Promise<string | null> {
  if (url === undefined) return null;
  // Anonymous webhooks would let anyone make us call any URL, signed with a shared secret.
  if (apiKeyId === null) throw new ApiKeyRequired("A webhook");
  const checked = checkWebhookUrl(url, config.allowLoopback);
  if (config.webhookSigningSecret === null) {
    throw new ServiceUnavailable(
      "webhooks_unavailable",
      "this coordinator has no WEBHOOK_SIGNING_SECRET, so it cannot sign webhooks",
    );
  }
  let refusal: WebhookHostRefusal | null;
  try {
    refusal = await refusalOfWebhookHost(checked, {
      resolver,
      allowLoopback: config.allowLoopback,
    });
  } catch (error) {
    // The same answer as a target whose DNS fails (checks/plan.ts): nothing is wrong with the URL.
    if (error instanceof DnsError) throw new Unprocessable(error.code, error.message);
    throw error;
  }
  if (refusal !== null) throw new BadRequest("invalid_webhook", refusal.message);
  return checked;
}
