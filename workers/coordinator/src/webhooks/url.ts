import { checkAddress, GuardError, isLoopbackAddress } from "../../../../shared/guard/index.ts";
import { BadRequest } from "../errors.ts";

const LOOPBACK_NAMES = /^(?:localhost|.+\.localhost)$/i;

function refuse(message: string): BadRequest {
  return new BadRequest("invalid_webhook", message);
}

/** The URL's host without the brackets of an IPv6 literal. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.test(host) || isLoopbackAddress(host);
}

/**
 * Checks a webhook URL before it is stored, and returns it normalised. HTTPS only; plain HTTP
 * only to loopback, and loopback at all only where local development opted in
 * (ALLOW_LOOPBACK_TARGETS). A literal address must be public by the same guard as probe
 * targets. A host name is only checked for its form here: what it resolves to is guarded by
 * refusalOfWebhookHost (host-guard.ts), at submission and again at every delivery.
 */
export function checkWebhookUrl(input: string, allowLoopback: boolean): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw refuse("webhook is not a valid URL");
  }
  if (url.username || url.password) {
    throw refuse("webhook must not carry credentials in the URL; put a token in its path");
  }
  const host = hostOf(url);
  const loopback = isLoopbackHost(host);
  if (loopback && !allowLoopback) throw refuse("webhook must not point at this machine");
  if (url.protocol === "http:" && !loopback) throw refuse("webhook must use https://");
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw refuse("webhook must use https://");
  }
  if (!loopback && isAddressLike(host)) {
    try {
      checkAddress(host, { allowLoopback });
    } catch (error) {
      if (error instanceof GuardError) throw refuse(`webhook: ${error.message}`);
      throw error;
    }
  }
  return url.href;
}

/**
 * The host name of a webhook URL that checkWebhookUrl accepted, when DNS decides where it leads;
 * null for a literal address or a loopback name (`localhost`), which that check already judged
 * and which no DNS answer can move.
 */
export function webhookHostName(checkedUrl: string): string | null {
  const host = hostOf(new URL(checkedUrl));
  return isLoopbackHost(host) || isAddressLike(host) ? null : host;
}

/** The URL parser has already turned every IPv4 spelling into dotted decimal. */
function isAddressLike(host: string): boolean {
  return host.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}
