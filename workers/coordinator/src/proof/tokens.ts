/**
 * Where a canary message carries its case token (`rw-<nonce>-<index>`, see shared/probe/expand.ts):
 * the recipient's local part, possibly rewritten by the relay trick on its way (`a%rw-..@host`,
 * `"rw-..@canary"@target`, source routes), then the X-Relaywatch-Token header, then the Message-ID
 * `<token@canary>`. Candidates come in that order; the caller takes the first it knows.
 */
const TOKEN_PATTERN = /rw-[a-z0-9]{1,32}-[a-z0-9]{1,8}/gi;

export interface TokenSources {
  envelopeTo: string;
  tokenHeader: string | null;
  messageId: string | null;
}

export function tokenCandidates(sources: TokenSources): string[] {
  const found = [sources.envelopeTo, sources.tokenHeader ?? "", sources.messageId ?? ""].flatMap(
    (text) => [...text.matchAll(TOKEN_PATTERN)].map((match) => match[0].toLowerCase()),
  );
  return [...new Set(found)];
}

/** The nonce part of a token, `rw-<nonce>-<index>`, or null when it has no such shape. */
export function nonceOfToken(token: string): string | null {
  return /^rw-([a-z0-9]+)-[a-z0-9]+$/.exec(token)?.[1] ?? null;
}
