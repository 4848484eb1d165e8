import PostalMime from "postal-mime";
import { boundText } from "../../../../shared/probe/bound-result.ts";
import { CANARY_PROOF_HEADER, verifyCanaryProof } from "../../../../shared/probe/canary-proof.ts";
import { readCapped } from "../../../../shared/streams/read-capped.ts";
import { openDatabase } from "../db/client.ts";
import type { CoordinatorConfig, CoordinatorEnv } from "../env.ts";
import { findProvableCase, recordDelivery } from "./deliveries.ts";
import { proofSecret } from "./policy.ts";
import { nonceOfToken, tokenCandidates } from "./tokens.ts";

/** A canary message is a few hundred bytes; anything far larger is not one of ours. */
export const MAX_CANARY_MESSAGE_BYTES = 256 * 1024;
/** Our header block is under 1 KB; a relay adds a few Received lines. */
const MAX_HEADER_BLOCK_BYTES = 64 * 1024;
/** A message names one token; a few more candidates allow for rewriting, not for a list. */
const MAX_CANDIDATES = 4;

/** What the handler needs of Email Routing's message, so tests can build one. */
export type CanaryMessage = Pick<
  ForwardableEmailMessage,
  "from" | "to" | "raw" | "rawSize" | "headers" | "setReject"
>;

/**
 * Email Routing's catch-all on the canary domain. A message confirms a case only when it carries
 * the MAC of its token (shared/probe/canary-proof.ts: only our probe nodes, given the vantage's
 * key, can make it), names an accepted case of a check with proof (or a vantage still probing),
 * and arrives within PROOF_LATE_ARRIVAL_SECONDS of its check. Everything is judged from the
 * envelope and the header fields before the body is looked at; only the header block is ever
 * parsed, so no MIME structure costs anything. Anything else is rejected at SMTP time, so the
 * canary domain never becomes a mailbox for strangers. Logs name tokens, never the MAC.
 */
export async function receiveCanaryEmail(
  message: CanaryMessage,
  env: CoordinatorEnv,
  config: CoordinatorConfig,
  now: number,
): Promise<void> {
  const reject = (log: string, reason: string, level: "warn" | "info" = "warn") => {
    console[level](`canary mail rejected: ${boundText(log, 300)}`);
    message.setReject(reason);
  };
  if (message.rawSize > MAX_CANARY_MESSAGE_BYTES) {
    return reject(`${message.rawSize} bytes`, "message too large for a Relaywatch canary");
  }
  const candidates = tokenCandidates({
    envelopeTo: message.to,
    tokenHeader: message.headers.get("x-relaywatch-token"),
    messageId: message.headers.get("message-id"),
  }).slice(0, MAX_CANDIDATES);
  if (candidates.length === 0) {
    return reject(`no token (to ${message.to})`, "not a Relaywatch test message");
  }
  const proven = await provenTokens(config, candidates, message.headers.get(CANARY_PROOF_HEADER));
  if (proven.length === 0) {
    return reject(
      `no valid proof for token(s) ${candidates.join(", ")}`,
      "not a proven Relaywatch test message",
    );
  }
  const db = openDatabase(env.DB);
  const provable = await findProvableCase(db, proven);
  const tokens = proven.join(", ");
  if (provable === "proof not asked") {
    // Genuine, and expected: a check without proof still sends its messages.
    return reject(
      `${tokens}: its check did not ask for delivery proof`,
      "this Relaywatch test did not ask for delivery proof",
      "info",
    );
  }
  if (provable === "not accepted") {
    return reject(
      `${tokens}: no accepted case, nor a probe still running, has this token`,
      "unknown Relaywatch test token",
    );
  }
  if (provable === "unknown") {
    return reject(`unknown token(s) ${tokens}`, "unknown Relaywatch test token");
  }
  if (now > provable.checkCreatedAt + config.lateArrivalMs) {
    return reject(`${provable.token} arrived too late`, "this Relaywatch test is over");
  }
  const raw = await readCapped(message.raw, MAX_CANARY_MESSAGE_BYTES);
  if (raw === null) {
    return reject(
      `over ${MAX_CANARY_MESSAGE_BYTES} bytes`,
      "message too large for a Relaywatch canary",
    );
  }
  const received = await receivedChain(raw);
  if (received === null) {
    return reject(`unreadable header of ${provable.token}`, "malformed message header");
  }
  await recordDelivery(db, provable, {
    receivedAt: now,
    mailFrom: boundText(message.from, 300),
    receivedChain: received,
    handedOverBy: received[0] === undefined ? null : handingOverHop(received[0]),
    messageId: message.headers.get("message-id")?.slice(0, 300) ?? null,
    size: raw.byteLength,
  });
}

/** The candidates whose MAC the message carries (the header may hold a few, comma-joined). */
async function provenTokens(
  config: Pick<CoordinatorConfig, "proofSecret">,
  candidates: string[],
  header: string | null,
): Promise<string[]> {
  if (!header) return [];
  const secret = proofSecret(config);
  const proofs = header.split(",").slice(0, MAX_CANDIDATES);
  const proven: string[] = [];
  for (const token of candidates) {
    const nonce = nonceOfToken(token);
    if (nonce === null) continue;
    for (const proof of proofs) {
      if (await verifyCanaryProof(secret, nonce, token, proof)) {
        proven.push(token);
        break;
      }
    }
  }
  return proven;
}

/**
 * The `Received:` values of the header block only, newest first, each escaped and bounded; null
 * when the header cannot be parsed. The body, whatever its MIME structure, is never parsed.
 */
async function receivedChain(raw: Uint8Array): Promise<string[] | null> {
  const text = new TextDecoder().decode(raw.subarray(0, MAX_HEADER_BLOCK_BYTES));
  const end = text.search(/\r?\n\r?\n/);
  const headerBlock = end < 0 ? text : text.slice(0, end);
  try {
    const parsed = await PostalMime.parse(`${headerBlock}\r\n\r\n`, { maxNestingDepth: 1 });
    return parsed.headers
      .filter((header) => header.key === "received")
      .slice(0, 20)
      .map((header) => boundText(header.value));
  } catch {
    return null;
  }
}

/**
 * Who handed the message to the canary domain's mail server: the `from` part of the newest
 * Received field, which that server wrote itself ("from mx.relay.example (... [203.0.113.7])").
 */
export function handingOverHop(newestReceived: string): string | null {
  const match = /^\s*from\s+(.+?)(?:\s+by\s|;|$)/is.exec(newestReceived);
  return match?.[1] ? boundText(match[1].replace(/\s+/g, " "), 300) : null;
}
