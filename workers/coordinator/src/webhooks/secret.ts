import type { CoordinatorConfig } from "../env.ts";

const encoder = new TextEncoder();

export class WebhookSecretMissing extends Error {
  constructor() {
    super("WEBHOOK_SIGNING_SECRET is not set: webhooks cannot be signed");
  }
}

/**
 * The secret a webhook receiver verifies signatures with: HMAC-SHA256 of
 * `webhook:<apiKeyId or "anonymous">` under the WEBHOOK_SIGNING_SECRET Worker secret, as hex.
 * One stored secret serves every key, a key holder is given only their own derived secret, and
 * rotating WEBHOOK_SIGNING_SECRET rotates them all.
 */
export async function webhookSecretFor(
  config: Pick<CoordinatorConfig, "webhookSigningSecret">,
  apiKeyId: string | null,
): Promise<string> {
  const master = config.webhookSigningSecret;
  if (!master) throw new WebhookSecretMissing();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(master),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const derived = await crypto.subtle.sign(
    "HMAC",
    key,
    encoder.encode(`webhook:${apiKeyId ?? "anonymous"}`),
  );
  return Array.from(new Uint8Array(derived), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
