/**
 * A server behind Docker's userland proxy: every IPv6 connection reaches it from an address
 * inside its own network, so a server that trusts that network (mailcow, docker-mailserver)
 * relays for any IPv6 client and for no IPv4 one. Here the client's real address decides.
 */
import { isIP } from "node:net";
import {
  openRecipients,
  type RecipientRule,
  type RuleContext,
  secureRecipients,
} from "./recipient-rules.ts";

export function ipv6TrustedRecipients(context: RuleContext): RecipientRule {
  const trusted = openRecipients(context);
  const everyoneElse = secureRecipients(context);
  const overIpv6 = (address: string) => isIP(address) === 6 && !address.startsWith("::ffff:");
  return (session, recipient) =>
    overIpv6(session.remoteAddress)
      ? trusted(session, recipient)
      : everyoneElse(session, recipient);
}
