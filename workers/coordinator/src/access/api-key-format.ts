/**
 * The shape of an API key, shared by the coordinator (to refuse garbage before touching D1) and
 * admin/main.ts (which mints keys). Keys are `rw_` + 32 characters of lower-case RFC 4648
 * base32: 160 random bits, copy-paste safe, and unambiguous in a Bearer header.
 */

export const API_KEY_PATTERN = /^rw_[a-z2-7]{32}$/;

const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const RANDOM_CHARACTERS = 32;

/** How many leading characters are kept in clear, so people can tell their keys apart. */
export const API_KEY_PREFIX_LENGTH = 11;

export function generateApiKey(): string {
  // 256 is a multiple of 32, so `byte % 32` picks every character with equal probability.
  const bytes = crypto.getRandomValues(new Uint8Array(RANDOM_CHARACTERS));
  let random = "";
  for (const byte of bytes) random += BASE32_ALPHABET[byte % BASE32_ALPHABET.length];
  return `rw_${random}`;
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX_LENGTH);
}

/** The only form of a key that is stored: lower-case hex SHA-256 of the whole key. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
