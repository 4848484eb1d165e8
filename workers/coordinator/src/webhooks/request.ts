import { ApiKeyRequired } from "../access/errors.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { ServiceUnavailable } from "../errors.ts";
import { checkWebhookUrl } from "./url.ts";

/**
 * The webhook URL a create request named, checked (see checkWebhookUrl), or null for none.
 * Refused up front where deliveries could not be signed, rather than failing for a day.
 */
export function acceptWebhookUrl(
  env: Pick<CoordinatorEnv, "WEBHOOK_SIGNING_SECRET">,
  config: Pick<CoordinatorConfig, "allowLoopback">,
  url: string | undefined,
  apiKeyId: string | null,
): string | null {
  if (url === undefined) return null;
  // Anonymous webhooks would let anyone make us call any URL, signed with a shared secret.
  if (apiKeyId === null) throw new ApiKeyRequired("A webhook");
  const checked = checkWebhookUrl(url, config.allowLoopback);
  if (!env.WEBHOOK_SIGNING_SECRET) {
    throw new ServiceUnavailable(
      "webhooks_unavailable",
      "this coordinator has no WEBHOOK_SIGNING_SECRET, so it cannot sign webhooks",
    );
  }
  return checked;
}
