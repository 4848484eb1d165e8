/**
 * AppleShare IP Mail Server 6.2, the server behind the original relay finding: it refuses
 * relaying for senders at foreign domains, but it qualifies a bare sender (`<spamtest>`) with
 * its own domain and then trusts it like one of its own users, so the message is relayed.
 */
import { analyseAddress, formatMailbox } from "./addresses.ts";
import { ServerIdentity } from "./identity.ts";
import {
  acceptRecipient,
  type MailDecision,
  rejectRecipient,
  type SessionView,
  type SmtpPolicy,
} from "./policy.ts";
import { type Dialect, postfixDialect, reply } from "./replies.ts";
import type { SimSpec } from "./specs.ts";

export function asip62Policy(spec: SimSpec, address: string): SmtpPolicy {
  const { hostname } = spec;
  const qualifyingDomain = `www.${spec.domain}`;
  const identity = new ServerIdentity({ ...spec, address, extraNames: [qualifyingDomain] });
  const qualify = (sender: string) =>
    sender === "" || sender.includes("@") ? sender : `${sender}@${qualifyingDomain}`;
  const senderDomain = (sender: string) =>
    analyseAddress(qualify(sender), identity.isOwnDomain).outerDomain ?? "";

  /** The flaw: a sender it qualified itself passes for a local user without any check. */
  const senderMayRelay = (sender: string | null): boolean => {
    if (!sender) return false;
    if (!sender.includes("@")) return true;
    const { outerDomain, trick, destination } = analyseAddress(sender, identity.isOwnDomain);
    return (
      trick === "none" &&
      identity.isOwnDomain(outerDomain) &&
      identity.isLocalUser(destination.localPart)
    );
  };

  const relayRefusal = (recipient: string, sender: string | null) =>
    reply(
      553,
      sender
        ? `<${recipient}> - Recipient Rejected! From domain "${senderDomain(sender)}" has delivery restrictions in place.  No SMTP mail relay is allowed.`
        : `<${recipient}> - Recipient Rejected! No SMTP mail relay is allowed.`,
    );

  // Sendmail-era wording without enhanced status codes; what it never says stays Postfix's.
  const dialect: Dialect = {
    ...postfixDialect(hostname),
    mailOk: (sender) => reply(250, `<${sender}>... Sender OK`),
    rcptOk: (recipient) => reply(250, `<${recipient}>... Recipient OK`),
    helo: (clientName) => reply(250, `${hostname} Hello ${clientName}, pleased to meet you`),
    startData: reply(354, 'Enter mail, end with "." on a line by itself'),
    queued: (queueId) => reply(250, `${queueId} Message accepted for delivery`),
    reset: reply(250, "Reset state"),
    noop: reply(250, "OK"),
    verify: (argument) => reply(252, `Cannot VRFY user; try RCPT to attempt delivery: ${argument}`),
    quit: reply(221, `${hostname} closing connection`),
    unknownCommand: reply(500, "Command unrecognized"),
    lineTooLong: reply(500, "Line too long"),
    syntax: (usage) => reply(501, `Syntax error: ${usage}`),
    badRecipientSyntax: reply(501, "Bad recipient address syntax"),
    nestedMail: reply(503, "Sender already specified"),
    needMail: reply(503, "Need MAIL before RCPT"),
    needRcpt: reply(503, "Need RCPT (recipient)"),
    noValidRecipients: reply(503, "Need RCPT (recipient)"),
    tooManyRecipients: reply(452, "Too many recipients"),
    sizeExceeded: reply(552, "Message exceeds maximum fixed size"),
    messageTooBig: reply(552, "Message exceeds maximum fixed size"),
    userUnknown: (recipient) => reply(550, `<${recipient}>... User unknown`),
    timeout: reply(421, `${hostname} SMTP command timeout, closing connection`),
  };

  return {
    hostname,
    dialect,
    greeting: {
      kind: "reply",
      reply: reply(220, `${hostname} AppleShare IP Mail Server 6.2.1 SMTP Server Ready`),
    },
    features: { ehlo: false, pipelining: false, starttls: false },
    mail: (_session, sender): MailDecision => ({
      reply: dialect.mailOk(qualify(sender)),
      envelopeSender: qualify(sender),
    }),
    rcpt: (session: SessionView, recipient) => {
      const analysis = analyseAddress(recipient, identity.isOwnDomain);
      if (identity.isOwnDomain(analysis.outerDomain)) {
        // It knows nothing of routing syntax: such a local part is simply not a user.
        const known =
          analysis.trick === "none" && identity.isLocalUser(analysis.destination.localPart);
        return known
          ? acceptRecipient(
              { route: "local", address: `${analysis.destination.localPart}@${spec.domain}` },
              dialect.rcptOk(recipient),
            )
          : rejectRecipient(dialect.userUnknown(recipient));
      }
      if (!senderMayRelay(session.mailFrom)) {
        return rejectRecipient(relayRefusal(recipient, session.mailFrom));
      }
      return acceptRecipient(
        { route: "relay", address: formatMailbox(analysis.destination) },
        dialect.rcptOk(recipient),
      );
    },
  };
}
