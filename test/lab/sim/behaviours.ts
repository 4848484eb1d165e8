/** Each simulated behaviour as a policy: mostly a recipient rule plus a few overrides. */
import type { SecureContext } from "node:tls";
import type { RoutingTrick } from "./addresses.ts";
import { asip62Policy } from "./asip62.ts";
import { ServerIdentity } from "./identity.ts";
import { ipv6TrustedRecipients } from "./ipv6-trusted.ts";
import { postfixLikePolicy, type SmtpPolicy } from "./policy.ts";
import {
  catchAllRecipients,
  discardRecipients,
  greylisted,
  openRecipients,
  type RecipientRule,
  type RuleContext,
  routingTrickRecipients,
  secureRecipients,
} from "./recipient-rules.ts";
import { type Dialect, postfixDialect, reply } from "./replies.ts";
import type { SimBehaviour, SimSpec } from "./specs.ts";
import { labTlsContext } from "./tls.ts";
import { trustedVantageRecipients } from "./trusted-vantage.ts";

export interface BehaviourContext {
  spec: SimSpec;
  /** The address the server listens on, which it also counts as its own name. */
  address: string;
  greylistDelaySec: number;
  tarpitDelayMs: number;
}

type PolicyFactory = (context: BehaviourContext) => SmtpPolicy;

/** A Postfix-like server whose recipients follow `rule`, with the given overrides. */
function postfixLike(
  rule: (rules: RuleContext, context: BehaviourContext) => RecipientRule,
  overrides: (context: BehaviourContext) => Partial<SmtpPolicy> = () => ({}),
  dialectFor: (hostname: string) => Dialect = postfixDialect,
): PolicyFactory {
  return (context) => {
    const { spec, address } = context;
    const dialect = dialectFor(spec.hostname);
    const ruleContext: RuleContext = {
      identity: new ServerIdentity({ ...spec, address }),
      dialect,
    };
    return postfixLikePolicy(spec.hostname, rule(ruleContext, context), {
      dialect,
      ...overrides(context),
    });
  };
}

/** Kilobytes of HTML on one line, as some appliances put in banners and refusals. */
function htmlBlurb(bytes: number): string {
  const paragraph = "<p>Unsolicited bulk e-mail is <b>not</b> accepted &mdash; see our policy.</p>";
  return `<html><body>${paragraph.repeat(Math.ceil(bytes / paragraph.length))}</body></html>`;
}

/** Postfix's wording with every refusal and the greetings padded to several kilobytes. */
function longLineDialect(hostname: string): Dialect {
  const base = postfixDialect(hostname);
  return {
    ...base,
    ehlo: (keywords) => reply(250, `${hostname} ${htmlBlurb(4_500)}`, ...keywords),
    relayDenied: (recipient) =>
      reply(554, `5.7.1 <${recipient}>: Relay access denied ${htmlBlurb(5_000)}`),
    userUnknown: (recipient) =>
      reply(550, `5.1.1 <${recipient}>: User unknown ${htmlBlurb(4_000)}`),
  };
}

function honouring(...tricks: RoutingTrick[]) {
  return (context: RuleContext) => routingTrickRecipients(context, tricks);
}

function banner(code: number, ...lines: string[]) {
  return { kind: "reply" as const, reply: reply(code, ...lines) };
}

/** RFC 5321 §3.1: after a 554 greeting, every command but QUIT gets 503 (or the 554 again). */
function blockedClient(_session: unknown, verb: string) {
  if (verb === "QUIT") return undefined;
  return ["MAIL", "RCPT", "DATA"].includes(verb)
    ? reply(554, "5.7.1 Error: not accepting mail from your network")
    : reply(503, "5.5.1 Error: bad sequence of commands");
}

const TLS_FIRST_COMMANDS = new Set(["MAIL", "RCPT", "DATA"]);

/** Offers STARTTLS with `tlsContext` and answers mail commands with 530 until it is used. */
function startTlsRequired(tlsContext: SecureContext): Partial<SmtpPolicy> {
  return {
    features: { ehlo: true, pipelining: true, starttls: true },
    tlsContext,
    screen: (session, verb) =>
      !session.tls && TLS_FIRST_COMMANDS.has(verb)
        ? reply(530, "5.7.0 Must issue a STARTTLS command first")
        : undefined,
  };
}

export const POLICIES: Record<SimBehaviour, PolicyFactory> = {
  "open-relay": postfixLike(openRecipients),
  asip62: ({ spec, address }) => asip62Policy(spec, address),
  "accept-then-bounce": postfixLike(discardRecipients),
  "catch-all-own-domain": postfixLike(catchAllRecipients),
  "percent-hack": postfixLike(honouring("percent")),
  "bang-path": postfixLike(honouring("bang")),
  "source-route": postfixLike(honouring("source-route")),
  "quoted-local-part": postfixLike(honouring("quoted-at")),
  greylist: postfixLike((rules, { greylistDelaySec }) =>
    greylisted(secureRecipients(rules), greylistDelaySec),
  ),
  tarpit: postfixLike(secureRecipients, ({ tarpitDelayMs }) => ({
    extraReplyDelayMs: tarpitDelayMs,
  })),
  stall: postfixLike(secureRecipients, () => ({ greeting: { kind: "silent" } })),
  "slow-refusals": postfixLike(secureRecipients, () => ({
    errorSleep: { after: 0, sleepMs: 1200, heloPrefix: "probe-eu-west." },
  })),
  "banner-421": postfixLike(secureRecipients, ({ spec }) => ({
    greeting: {
      ...banner(421, `4.3.2 ${spec.hostname} Service not available, closing transmission channel`),
      thenClose: true,
    },
  })),
  "banner-554": postfixLike(secureRecipients, ({ spec }) => ({
    greeting: banner(
      554,
      `5.7.1 ${spec.hostname} ESMTP not accepting connections from your network`,
    ),
    screen: blockedClient,
  })),
  "multiline-banner": postfixLike(secureRecipients, ({ spec }) => ({
    greeting: {
      ...banner(
        220,
        `${spec.hostname} ESMTP Postfix`,
        "Unsolicited bulk mail is not accepted here",
        `${spec.hostname} ready`,
      ),
      lineGapMs: 100,
    },
  })),
  pregreet: postfixLike(secureRecipients, ({ spec }) => ({
    greeting: {
      ...banner(220, `${spec.hostname} ESMTP`, `${spec.hostname} ESMTP`),
      lineGapMs: 500,
      earlyTalkerReply: reply(521, "5.5.1 Protocol error"),
    },
  })),
  "starttls-required": postfixLike(openRecipients, () => startTlsRequired(labTlsContext())),
  "implicit-tls": postfixLike(openRecipients, () => ({
    implicitTls: true,
    tlsContext: labTlsContext(),
  })),
  "error-limit": postfixLike(secureRecipients, () => ({
    hardErrorLimit: 5,
    nonMailCommandLimit: 10,
  })),
  "secure-pipelining": postfixLike(secureRecipients),
  "secure-no-pipelining": postfixLike(secureRecipients, () => ({
    features: { ehlo: true, pipelining: false, starttls: false },
    rejectUnauthPipelining: true,
  })),
  "trusted-vantage": postfixLike(trustedVantageRecipients),
  "ipv6-trusted": postfixLike(ipv6TrustedRecipients),
  "tls-self-signed": postfixLike(openRecipients, () =>
    startTlsRequired(labTlsContext("self-signed")),
  ),
  "tls-expired": postfixLike(openRecipients, () => ({
    implicitTls: true,
    tlsContext: labTlsContext("expired"),
  })),
  "tls-wrong-name": postfixLike(openRecipients, () =>
    startTlsRequired(labTlsContext("wrong-name")),
  ),
  "tls12-only": postfixLike(openRecipients, () => ({
    implicitTls: true,
    tlsContext: labTlsContext("tls12", "TLSv1.2"),
  })),
  "tls-secure": postfixLike(secureRecipients, () => startTlsRequired(labTlsContext("self-signed"))),
  "refuse-at-data": postfixLike(discardRecipients, () => ({
    messageRefusal: reply(554, "5.7.1 Message refused: relaying is not permitted"),
  })),
  "long-lines": postfixLike(
    secureRecipients,
    ({ spec }) => ({
      greeting: banner(220, `${spec.hostname} ESMTP ${htmlBlurb(6_000)}`, `${spec.hostname} ready`),
    }),
    longLineDialect,
  ),
  "sendmail-throttle": postfixLike(secureRecipients, ({ spec }) => ({
    greeting: {
      ...banner(220, `${spec.hostname} ESMTP Sendmail 8.18.1/8.18.1/Debian-2; ready`),
      pauseMs: 1_000,
      earlyTalkerReply: reply(554, `${spec.hostname} ESMTP not accepting messages`),
    },
    badRcptThrottle: { after: 3, sleepMs: 1_000 },
  })),
  "byte-tarpit": postfixLike(secureRecipients, () => ({ byteIntervalMs: 200 })),
  "error-sleep": postfixLike(secureRecipients, () => ({
    errorSleep: { after: 3, sleepMs: 1_000 },
  })),
};
