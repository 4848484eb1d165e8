/**
 * Request signing between the coordinator and probe nodes: HMAC-SHA256 over
 * `<unix seconds>.<body>` with a per-node secret. A node refuses any request whose signature
 * does not verify or whose timestamp is outside the replay window, before it opens a socket.
 */

export const TIMESTAMP_HEADER = "x-relaywatch-timestamp";
export const SIGNATURE_HEADER = "x-relaywatch-signature";
export const REPLAY_WINDOW_SECONDS = 300;

const encoder = new TextEncoder();

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function keyFor(secret: string): Promise<HmacKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index += 1) {
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}

export async function signBody(
  secret: string,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Record<string, string>> {
  const signature = await crypto.subtle.sign(
    "HMAC",
    await keyFor(secret),
    encoder.encode(`${nowSeconds}.${body}`),
  );
  return { [TIMESTAMP_HEADER]: `${nowSeconds}`, [SIGNATURE_HEADER]: `v1=${toHex(signature)}` };
}

export type VerifyFailure = "missing" | "stale" | "bad-signature";

/** Null when the request is authentic and fresh; otherwise why not. Constant-time compare. */
export async function verifyBody(
  secret: string,
  body: string,
  headers: { get(name: string): string | null },
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<VerifyFailure | null> {
  const timestamp = headers.get(TIMESTAMP_HEADER);
  const signature = headers.get(SIGNATURE_HEADER);
  if (!timestamp || !signature?.startsWith("v1=")) return "missing";
  if (!/^\d{1,12}$/.test(timestamp)) return "missing";
  if (Math.abs(nowSeconds - Number.parseInt(timestamp, 10)) > REPLAY_WINDOW_SECONDS) return "stale";
  const expected = fromHex(signature.slice(3));
  if (expected?.length !== 32) return "bad-signature";
  const valid = await crypto.subtle.verify(
    "HMAC",
    await keyFor(secret),
    expected,
    encoder.encode(`${timestamp}.${body}`),
  );
  return valid ? null : "bad-signature";
}
