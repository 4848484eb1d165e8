/**
 * A server that trusts one network: like an MTA with `mynetworks` covering a partner's range,
 * it relays for clients from there and for nobody else. The lab cannot give clients different
 * source addresses on loopback, so the client's EHLO name stands in for its network; probe
 * nodes name themselves `probe-<region>.<canary domain>`.
 */
import {
  openRecipients,
  type RecipientRule,
  type RuleContext,
  secureRecipients,
} from "./recipient-rules.ts";

export const TRUSTED_HELO_PREFIX = "probe-ap-northeast.";

export function trustedVantageRecipients(context: RuleContext): RecipientRule {
  const trusted = openRecipients(context);
  const everyoneElse = secureRecipients(context);
  return (session, recipient) =>
    session.helo?.toLowerCase().startsWith(TRUSTED_HELO_PREFIX)
      ? trusted(session, recipient)
      : everyoneElse(session, recipient);
}
