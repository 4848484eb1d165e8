import PostalMime from "postal-mime";
import { readCapped } from "../../../../shared/streams/read-capped.ts";
import { openDatabase } from "../db/client.ts";
import type { CoordinatorEnv } from "../env.ts";
import { findProvableCase, recordDelivery } from "./deliveries.ts";
import { tokenCandidates } from "./tokens.ts";

/** A canary message is a few hundred bytes; anything far larger is not one of ours. */
export const MAX_CANARY_MESSAGE_BYTES = 256 * 1024;

/** What the handler needs of Email Routing's message, so tests can build one. */
export type CanaryMessage = Pick<
  ForwardableEmailMessage,
  "from" | "to" | "raw" | "rawSize" | "headers" | "setReject"
>;

/**
 * Email Routing's catch-all on the canary domain: a message that names an accepted case of a
 * check with proof is recorded as its delivery; anything else is rejected at SMTP time, so the
 * canary domain never becomes a mailbox for strangers. Logs name the token, never the content.
 */
export async function receiveCanaryEmail(
  message: CanaryMessage,
  env: CoordinatorEnv,
  now: number,
): Promise<void> {
  if (message.rawSize > MAX_CANARY_MESSAGE_BYTES) {
    console.warn(`canary mail rejected: ${message.rawSize} bytes to ${message.to}`);
    message.setReject("message too large for a Relaywatch canary");
    return;
  }
  const raw = await readCapped(message.raw, MAX_CANARY_MESSAGE_BYTES);
  if (raw === null) {
    console.warn(`canary mail rejected: over ${MAX_CANARY_MESSAGE_BYTES} bytes to ${message.to}`);
    message.setReject("message too large for a Relaywatch canary");
    return;
  }
  const parsed = await PostalMime.parse(raw);
  const candidates = tokenCandidates({
    envelopeTo: message.to,
    tokenHeader: message.headers.get("x-relaywatch-token"),
    messageId: parsed.messageId ?? message.headers.get("message-id"),
  });
  if (candidates.length === 0) {
    console.warn(`canary mail rejected: no token (to ${message.to})`);
    message.setReject("not a Relaywatch test message");
    return;
  }
  const db = openDatabase(env.DB);
  const provable = await findProvableCase(db, candidates);
  if (!provable) {
    console.warn(`canary mail rejected: unknown token(s) ${candidates.join(", ")}`);
    message.setReject("unknown Relaywatch test token");
    return;
  }
  await recordDelivery(db, provable, {
    receivedAt: now,
    mailFrom: message.from,
    receivedChain: parsed.headers
      .filter((header) => header.key === "received")
      .map((header) => header.value),
    messageId: parsed.messageId ?? null,
    size: raw.byteLength,
  });
}
