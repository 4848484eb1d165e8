/**
 * The secret that makes a canary message proof. Case tokens are public (they are in every RCPT
 * TO of a report), so a token alone proves nothing: anyone could mail it to the canary domain.
 * Each message therefore also carries a MAC of its token that only the coordinator can compute
 * and check:
 *
 *   vantage key = HMAC-SHA256(PROOF_SECRET, "relaywatch canary key v1 " + token nonce)
 *   proof       = first 32 hex digits of HMAC-SHA256(vantage key, token)
 *
 * The coordinator sends each probe job its vantage key (over the signed, private job channel);
 * the node puts the proof in the message header below, inside DATA only. Neither the key nor the
 * proof is ever written to a transcript, result, report, log line or webhook, so what a report
 * shows cannot be replayed into a confirmation.
 */

export const CANARY_PROOF_HEADER = "X-Relaywatch-Proof";
/** 128 bits: guessing one is out of the question within a check's lifetime. */
const PROOF_HEX_LENGTH = 32;

const encoder = new TextEncoder();

async function hmacHex(key: Uint8Array | string, message: string): Promise<string> {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const imported = await crypto.subtle.importKey(
    "raw",
    raw,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", imported, encoder.encode(message));
  return Array.from(new Uint8Array(signature), (byte) => byte.toString(16).padStart(2, "0")).join(
    "",
  );
}

/** The key of one vantage, derived from the coordinator's secret and the vantage's token nonce. */
export function canaryKeyFor(secret: string, nonce: string): Promise<string> {
  return hmacHex(secret, `relaywatch canary key v1 ${nonce}`);
}

/** The proof a message for `token` carries, from the vantage key. */
export async function canaryProofFor(vantageKey: string, token: string): Promise<string> {
  return (await hmacHex(vantageKey, token.toLowerCase())).slice(0, PROOF_HEX_LENGTH);
}

/** Whether `proof` is the one of `token` under the coordinator's secret. Constant-time compare. */
export async function verifyCanaryProof(
  secret: string,
  nonce: string,
  token: string,
  proof: string,
): Promise<boolean> {
  const expected = await canaryProofFor(await canaryKeyFor(secret, nonce), token);
  const given = proof.trim().toLowerCase();
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let index = 0; index < expected.length; index += 1) {
    difference |= expected.charCodeAt(index) ^ given.charCodeAt(index);
  }
  return difference === 0;
}
