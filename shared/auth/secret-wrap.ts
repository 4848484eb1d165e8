/**
 * Probe node secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256) from
 * NODE_SECRET_KEY, a Worker secret the database never holds. The node id is the additional
 * data, so a wrapped secret copied onto another node's row does not unwrap. The admin CLI wraps
 * (it is given the same key), the coordinator unwraps when it signs a job.
 */

const VERSION = "v1";
/** Shorter keys are too easy to guess; the key protects every node's secret. */
export const MIN_WRAPPING_KEY_LENGTH = 32;
const encoder = new TextEncoder();

export class SecretWrapError extends Error {}

type AesKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function aesKey(wrappingKey: string): Promise<AesKey> {
  if (wrappingKey.length < MIN_WRAPPING_KEY_LENGTH) {
    throw new SecretWrapError(
      `NODE_SECRET_KEY must be at least ${MIN_WRAPPING_KEY_LENGTH} characters`,
    );
  }
  const material = await crypto.subtle.importKey(
    "raw",
    encoder.encode(wrappingKey),
    "HKDF",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: encoder.encode("relaywatch probe node secret v1"),
    },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export async function wrapNodeSecret(
  wrappingKey: string,
  nodeId: string,
  secret: string,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(nodeId) },
    await aesKey(wrappingKey),
    encoder.encode(secret),
  );
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

export async function unwrapNodeSecret(
  wrappingKey: string,
  nodeId: string,
  wrapped: string,
): Promise<string> {
  const [version, iv, sealed] = wrapped.split(".");
  if (version !== VERSION || !iv || !sealed) {
    throw new SecretWrapError(`node ${nodeId}: the stored secret is not in the v1 format`);
  }
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: encoder.encode(nodeId) },
      await aesKey(wrappingKey),
      fromBase64Url(sealed),
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw new SecretWrapError(
      `node ${nodeId}: the stored secret does not unwrap with NODE_SECRET_KEY (another key, or another node's row)`,
    );
  }
}
