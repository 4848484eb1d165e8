/**
 * The DATA step after the suite: the canary message goes through a sample of the accepted
 * cases, and the server's answer to the message, not to RCPT, decides them. A relay is a server
 * that takes the message for a foreign recipient; one that says 250 to RCPT and refuses the
 * message (554 at the end of DATA) relays nothing.
 */
import type {
  CaseResult,
  ConnectionSummary,
  DataStep,
  ReplySummary,
} from "../schemas/probe-result.ts";
import type { SmtpSession } from "../smtp/session.ts";
import type { Transcript } from "../smtp/transcript.ts";
import { isPositive, type Reply } from "../smtp/types.ts";
import { canaryMessage } from "./canary-message.ts";
import { canaryProofFor } from "./canary-proof.ts";
import { inTellingOrder } from "./cases.ts";
import { openReadySession } from "./connect.ts";
import { addressLiteral, type ExpandedCase } from "./expand.ts";
import type { ProofRequest } from "./request.ts";
import type { ProbeRun, ServerNames } from "./runner.ts";
import { connectionSummary, describeFailure, summarize } from "./summaries.ts";

export async function runDataStep(
  run: ProbeRun,
  names: ServerNames,
  expanded: ExpandedCase[],
  proof: ProofRequest | null,
): Promise<DataStep> {
  const { results } = run;
  const answered = expanded.flatMap((entry) => results.get(entry.id) ?? []);
  if (!answered.some((entry) => entry.outcome === "accepted")) return "not-needed";
  if (!proof || proof.maxMessages <= 0) return "off";
  if (run.stopReason) return "not-reached";
  const { address, hostName } = run.target;
  const dataReplies = await deliverProof(answered, proof, {
    canaryDomain: run.request.canaryDomain.toLowerCase(),
    targetHost: hostName ?? address,
    ownNames: {
      host: names.host,
      targetDomain: names.targetDomain,
      addressLiteral: addressLiteral(address),
    },
    openReadySession: () => openReadySession(run),
    transcript: run.transcript,
    connections: run.connections,
    deadline: run.deadline,
  });
  const before = new Map(results);
  applyDataReplies(results, dataReplies);
  for (const [id, entry] of results) if (before.get(id) !== entry) run.hooks.onCase?.(entry);
  return dataReplies.size > 0 ? "sent" : "not-reached";
}

/**
 * Each sampled case takes the DATA step's answer: the message taken (2xx at its end) keeps it
 * accepted, now decided at DATA; a 5xx to DATA or to the message makes it `refused` at DATA. A
 * temporary refusal, or MAIL/RCPT refused on this second try, decides nothing. When the sample
 * was refused at DATA and no message was taken, the other RCPT-accepted cases become
 * `message-refused`: accepted at RCPT, message refused (sampled).
 */
export function applyDataReplies(
  results: Map<string, CaseResult>,
  dataReplies: ReadonlyMap<string, DeliveryReply>,
): void {
  let taken = 0;
  let refused = 0;
  for (const [id, { stage, reply }] of dataReplies) {
    const entry = results.get(id);
    if (!entry) continue;
    if (stage === "data" && isPositive(reply)) {
      taken += 1;
      set(results, { ...entry, step: "data", data: reply });
    } else if (stage === "data" && reply.code >= 500) {
      refused += 1;
      set(results, {
        ...entry,
        outcome: "refused",
        step: "data",
        data: reply,
        note: `refused at DATA (RCPT had been accepted${describeReply(entry.reply)})`,
      });
    } else {
      const why =
        stage === "data"
          ? "the message was only deferred at DATA"
          : `${stage.toUpperCase()} was refused when the message was sent`;
      set(results, { ...entry, data: reply, note: `${why}: the RCPT reply stands` });
    }
  }
  if (refused === 0 || taken > 0) return;
  for (const entry of results.values()) {
    if (entry.outcome !== "accepted") continue;
    set(results, {
      ...entry,
      outcome: "message-refused",
      step: "data",
      note: `accepted at RCPT, message refused (sampled): the server refused all ${refused} test messages it answered at DATA; this case's own message was not sent`,
    });
  }
}

function set(results: Map<string, CaseResult>, entry: CaseResult): void {
  results.set(entry.id, entry);
}

function describeReply(reply: ReplySummary | null): string {
  return reply ? ` with ${reply.code}` : "";
}

/*
 * Delivery proof: after the suite, one canary message per accepted case, so that its arrival at
 * the canary domain proves relaying where a 250 to RCPT only suggests it.
 *
 * Safety rests on the envelope. Every recipient is checked here to be ours (in the canary domain,
 * or a routing form addressed to the target's own names that embeds a canary address); anything
 * else is refused before a connection is opened. Every sender is the case's own, as the suite
 * sent it: some relays (the AppleShare IP one) relay only for one sender form, so another sender
 * would prove nothing. The catalogue's senders are all null, in our canary domain, or the
 * target's own names (its domain, host name, address literal, localhost, or a bare local part it
 * qualifies itself), so a bounce goes to us or to the target, never to a third party; a sender
 * outside those is refused too, in case the catalogue ever changes.
 */

/** The names an envelope may use besides the canary domain. */
export interface OwnNames {
  /** The server's own host name, or `[literal]` when it has none. */
  host: string;
  targetDomain: string;
  /** The address literal body, `192.0.2.1` or `IPv6:2001:db8::1`. */
  addressLiteral: string;
}

export interface DeliveryContext {
  canaryDomain: string;
  /** The target as the user named it, for the message text. */
  targetHost: string;
  ownNames: OwnNames;
  /** Opens a connection prepared as the suite's are (banner checked, EHLO, STARTTLS). */
  openReadySession: () => Promise<SmtpSession>;
  transcript: Transcript;
  /** Delivery connections are reported with the suite's. */
  connections: ConnectionSummary[];
  deadline: number;
  now?: () => Date;
}

/** A case the suite answered: only `accepted` ones get a message. */
export interface AnsweredCase extends ExpandedCase {
  outcome: string;
}

/** Which accepted cases get a message, in order: plainly foreign recipients first, the most
 *  telling of them first. */
export function casesToProve<T extends AnsweredCase>(
  cases: readonly T[],
  maxMessages: number,
): T[] {
  const accepted = inTellingOrder(cases.filter((entry) => entry.outcome === "accepted"));
  const ordered = [
    ...accepted.filter((entry) => entry.recipientKind === "foreign"),
    ...accepted.filter((entry) => entry.recipientKind === "routing"),
  ];
  return ordered.slice(0, Math.max(0, maxMessages));
}

/** Which command's reply ended a delivery: `data` covers DATA itself and the end of the message. */
export type DeliveryStage = "mail" | "rcpt" | "data";

export interface DeliveryReply {
  stage: DeliveryStage;
  reply: ReplySummary;
}

/**
 * Sends at most one message per case for up to `proof.maxMessages` accepted cases, one fresh
 * connection each, all at once, never a retry. Returns, by case id, the reply to the end of
 * DATA, or the reply that refused MAIL, RCPT or DATA this time, with the command it answered;
 * a case whose connection failed has no entry.
 */
async function deliverProof(
  cases: readonly AnsweredCase[],
  proof: ProofRequest,
  context: DeliveryContext,
): Promise<Map<string, DeliveryReply>> {
  const replies = new Map<string, DeliveryReply>();
  const sendable = casesToProve(cases, proof.maxMessages).filter((entry) => {
    const refusal = envelopeRefusal(entry, context.canaryDomain, context.ownNames);
    if (refusal) context.transcript.note(0, `delivery proof for ${entry.id} not sent: ${refusal}`);
    return refusal === null;
  });
  await Promise.all(
    sendable.map(async (entry) => {
      if (Date.now() >= context.deadline) return;
      const ended = await deliverOne(entry, proof, context);
      const reply = summarize(ended?.reply);
      if (ended && reply) replies.set(entry.id, { stage: ended.stage, reply });
    }),
  );
  return replies;
}

async function deliverOne(
  entry: AnsweredCase,
  proof: ProofRequest,
  context: DeliveryContext,
): Promise<{ stage: DeliveryStage; reply: Reply } | null> {
  const startedAt = new Date().toISOString();
  let session: SmtpSession | null = null;
  let ending = "quit";
  let finalReply: { stage: DeliveryStage; reply: Reply } | null = null;
  try {
    session = await context.openReadySession();
    finalReply = await sendTransaction(session, entry, proof, context);
  } catch (error) {
    ending = describeFailure(error, "delivery proof failed");
    if (session) context.transcript.note(session.conn, ending);
  }
  if (session) {
    await session.quit();
    context.connections.push(
      connectionSummary(session.conn, startedAt, [entry.id], session.tls !== null, false, ending),
    );
  }
  return finalReply;
}

/** MAIL, RCPT, DATA with the fixed message; the first refusal ends it and is returned. */
async function sendTransaction(
  session: SmtpSession,
  entry: AnsweredCase,
  proof: ProofRequest,
  context: DeliveryContext,
): Promise<{ stage: DeliveryStage; reply: Reply }> {
  const refused = (stage: DeliveryStage, reply: Reply) => {
    context.transcript.note(
      session.conn,
      stage === "data"
        ? `the message for ${entry.id} was refused at DATA (${reply.code})`
        : `delivery proof for ${entry.id}: ${stage.toUpperCase()} refused this time (${reply.code})`,
    );
    return { stage, reply };
  };
  const mailLine = `MAIL FROM:${entry.mailFrom}`;
  const rcptLine = `RCPT TO:${entry.rcptTo}`;
  // RFC 2920 lets DATA end a pipelined group: the server refuses it when RCPT was refused.
  // Without PIPELINING, one command at a time, each only after the one before succeeded.
  const batch = session.supports("PIPELINING")
    ? await session.pipeline([mailLine, rcptLine, "DATA"])
    : [];
  const mail = batch[0] ?? (await session.command(mailLine));
  if (!isPositive(mail)) return refused("mail", mail);
  const rcpt = batch[1] ?? (await session.command(rcptLine));
  if (!isPositive(rcpt)) return refused("rcpt", rcpt);
  const go = batch[2] ?? (await session.command("DATA"));
  if (go.code !== 354) return refused("data", go);
  const message = canaryMessage({
    canaryDomain: context.canaryDomain,
    rcptTo: entry.rcptTo,
    targetHost: context.targetHost,
    caseId: entry.id,
    token: entry.token,
    reportUrl: proof.reportUrl,
    date: context.now?.() ?? new Date(),
    proof: proof.key ? await canaryProofFor(proof.key, entry.token) : null,
  });
  const done = await session.message(message);
  return isPositive(done) ? { stage: "data", reply: done } : refused("data", done);
}

/** Why this envelope must not be sent, or null when it is ours. */
export function envelopeRefusal(
  entry: ExpandedCase,
  canaryDomain: string,
  ownNames: OwnNames,
): string | null {
  if (!isOurRecipient(entry, canaryDomain, ownNames)) {
    return `recipient ${entry.rcptTo} is not in ${canaryDomain}`;
  }
  if (!isSafeSender(entry.mailFrom, canaryDomain, ownNames)) {
    return `sender ${entry.mailFrom} is neither null, ours, nor the target's own`;
  }
  return null;
}

/**
 * Foreign: exactly `<token@canary domain>` (any case, trailing dot allowed). Routing: every
 * name in the path is the token, a canary name, or the target's own host or address literal,
 * and both the token and a canary name are present.
 */
export function isOurRecipient(
  entry: ExpandedCase,
  canaryDomain: string,
  ownNames: OwnNames,
): boolean {
  const path = unbracket(entry.rcptTo);
  if (path === null) return false;
  const token = entry.token.toLowerCase();
  if (entry.recipientKind === "foreign") {
    const match = /^([^@]+)@([^@]+)$/.exec(path);
    return (
      match?.[1]?.toLowerCase() === token && withinDomain(normalName(match[2] ?? ""), canaryDomain)
    );
  }
  const own = new Set([normalName(ownNames.host), `[${ownNames.addressLiteral.toLowerCase()}]`]);
  const parts = (path.match(/\[[^\]]*\]|[^@%!:"[\]]+/g) ?? []).map(normalName);
  const allowed = (part: string) =>
    part === token || withinDomain(part, canaryDomain) || own.has(part);
  return (
    parts.every(allowed) &&
    parts.includes(token) &&
    parts.some((part) => withinDomain(part, canaryDomain))
  );
}

function isSafeSender(mailFrom: string, canaryDomain: string, ownNames: OwnNames): boolean {
  const path = unbracket(mailFrom);
  if (path === null) return false;
  // Null, or a bare local part the target qualifies with its own domain.
  if (!path.includes("@")) return /^[A-Za-z0-9._-]*$/.test(path);
  const domain = normalName(path.slice(path.lastIndexOf("@") + 1));
  const own = [ownNames.targetDomain, ownNames.host, `[${ownNames.addressLiteral}]`, "localhost"]
    .map(normalName)
    .filter((name) => name.length > 0);
  return withinDomain(domain, canaryDomain) || own.includes(domain);
}

/** The path between `<` and `>`, or null when the text is not one bracketed path. */
function unbracket(path: string): string | null {
  const match = /^<([^<>\r\n]*)>$/.exec(path);
  return match ? (match[1] ?? "") : null;
}

function normalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function withinDomain(name: string, domain: string): boolean {
  const parent = normalName(domain);
  return parent.length > 0 && (name === parent || name.endsWith(`.${parent}`));
}
