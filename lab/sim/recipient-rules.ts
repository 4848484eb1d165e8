/**
 * Recipient policies the lab servers are built from: who is local, what is relayed, which
 * routing tricks a server falls for.
 */
import {
  type AddressAnalysis,
  analyseAddress,
  formatMailbox,
  type RoutingTrick,
} from "./addresses.ts";
import type { ServerIdentity } from "./identity.ts";
import { acceptRecipient, type RcptDecision, rejectRecipient, type SessionView } from "./policy.ts";
import { type Dialect, reply } from "./replies.ts";

export type RecipientRule = (session: SessionView, recipient: string) => RcptDecision;

export interface RuleContext {
  identity: ServerIdentity;
  dialect: Dialect;
}

function analyse({ identity }: RuleContext, recipient: string): AddressAnalysis {
  return analyseAddress(recipient, identity.isOwnDomain);
}

/** Deliver to where the address leads: a local mailbox if that is one of ours, else onward. */
function deliverToDestination(context: RuleContext, analysis: AddressAnalysis): RcptDecision {
  const { destination } = analysis;
  const route = context.identity.isOwnDomain(destination.domain) ? "local" : "relay";
  return acceptRecipient({ route, address: formatMailbox(destination) });
}

function localUserOrUnknown(
  context: RuleContext,
  recipient: string,
  analysis: AddressAnalysis,
): RcptDecision {
  const { localPart } = analysis.destination;
  if (!context.identity.isLocalUser(localPart)) {
    return rejectRecipient(context.dialect.userUnknown(recipient));
  }
  return acceptRecipient({ route: "local", address: `${localPart}@${context.identity.domain}` });
}

/**
 * A correctly configured MTA: its own real users only; anything foreign, and any routing
 * syntax at all, is refused as relaying.
 */
export function secureRecipients(context: RuleContext): RecipientRule {
  return (_session, recipient) => {
    const analysis = analyse(context, recipient);
    if (analysis.trick === "none" && context.identity.isOwnDomain(analysis.outerDomain)) {
      return localUserOrUnknown(context, recipient, analysis);
    }
    return rejectRecipient(context.dialect.relayDenied(recipient));
  };
}

/** Relays for anyone to anywhere, honouring every routing trick. */
export function openRecipients(context: RuleContext): RecipientRule {
  return (_session, recipient) => deliverToDestination(context, analyse(context, recipient));
}

/** Says yes to every recipient and delivers nothing (the bounce, if any, comes later). */
export function discardRecipients(context: RuleContext): RecipientRule {
  return (_session, recipient) =>
    acceptRecipient({
      route: "discard",
      address: formatMailbox(analyse(context, recipient).destination),
    });
}

/**
 * Takes anything addressed to its own names, whatever the local part (routing syntax
 * included), into a local catch-all mailbox; never relays.
 */
export function catchAllRecipients(context: RuleContext): RecipientRule {
  return (_session, recipient) => {
    const analysis = analyse(context, recipient);
    if (!context.identity.isOwnDomain(analysis.outerDomain)) {
      return rejectRecipient(context.dialect.relayDenied(recipient));
    }
    return acceptRecipient({ route: "local", address: `catch-all@${context.identity.domain}` });
  };
}

/**
 * Secure for plain addresses, but honours the given routing tricks when they are addressed
 * to its own names, and relays wherever they lead.
 */
export function routingTrickRecipients(
  context: RuleContext,
  honoured: readonly RoutingTrick[],
): RecipientRule {
  const secure = secureRecipients(context);
  return (session, recipient) => {
    const analysis = analyse(context, recipient);
    const falls =
      honoured.includes(analysis.trick) && context.identity.isOwnDomain(analysis.outerDomain);
    return falls ? deliverToDestination(context, analysis) : secure(session, recipient);
  };
}

/** Bound on remembered triples, so a long lab run cannot grow it without limit. */
const MAX_GREYLIST_ENTRIES = 10_000;

/**
 * Postgrey-style greylisting in front of another rule: the first attempt of each
 * (client address, sender, recipient) triple is deferred; a retry after the delay gets the
 * real answer.
 */
export function greylisted(inner: RecipientRule, delaySeconds: number): RecipientRule {
  const firstSeen = new Map<string, number>();
  return (session, recipient) => {
    const triple = [session.remoteAddress, session.mailFrom ?? "", recipient]
      .join("\n")
      .toLowerCase();
    const now = Date.now();
    const seenAt = firstSeen.get(triple);
    if (seenAt !== undefined && now - seenAt >= delaySeconds * 1000) {
      return inner(session, recipient);
    }
    if (seenAt === undefined) {
      if (firstSeen.size >= MAX_GREYLIST_ENTRIES) {
        const oldest = firstSeen.keys().next().value;
        if (oldest !== undefined) firstSeen.delete(oldest);
      }
      firstSeen.set(triple, now);
    }
    return rejectRecipient(
      reply(
        450,
        `4.7.1 <${recipient}>: Recipient address rejected: Greylisted, see http://postgrey.example/ - please try again in ${delaySeconds} seconds`,
      ),
    );
  };
}
