/**
 * A probe result as it may leave the engine: every text a server could have shaped escaped the
 * one way (shared/text/control-characters.ts) and cut to a length, so a hostile server cannot
 * make the answer large, or put terminal, HTML or bidi tricks into the CLI, the API, the page or
 * a CSV. The engine applies it as it finishes, and the coordinator again on what a node sends.
 */
import type { ProbeResult, ReplySummary, TranscriptLine } from "../schemas/probe-result.ts";
import { escapeControlCharacters } from "../text/control-characters.ts";

/** A reply text, note or reason: far longer than any honest server's line. */
export const MAX_RESULT_TEXT = 1024;
const MAX_SHORT_TEXT = 256;
const MAX_EXTENSIONS = 64;

export function boundText(text: string, max = MAX_RESULT_TEXT): string {
  const escaped = escapeControlCharacters(text);
  return escaped.length <= max ? escaped : `${escaped.slice(0, max)}... (cut)`;
}

function boundNullable(text: string | null, max = MAX_RESULT_TEXT): string | null {
  return text === null ? null : boundText(text, max);
}

function boundReply(reply: ReplySummary | null): ReplySummary | null {
  if (reply === null) return null;
  return {
    code: reply.code,
    enhanced: boundNullable(reply.enhanced, 16),
    text: boundText(reply.text),
  };
}

function boundTranscriptLine(line: TranscriptLine): TranscriptLine {
  // The transcript cuts its own lines a little past this, saying how much it cut.
  return { ...line, line: boundText(line.line, MAX_RESULT_TEXT + 64) };
}

export function boundResult(result: ProbeResult): ProbeResult {
  const tls = result.tls;
  return {
    ...result,
    target: { ...result.target, host: boundText(result.target.host, MAX_SHORT_TEXT) },
    names: {
      host: boundText(result.names.host, MAX_SHORT_TEXT),
      targetDomain: boundText(result.names.targetDomain, MAX_SHORT_TEXT),
      canaryDomain: boundText(result.names.canaryDomain, MAX_SHORT_TEXT),
    },
    reason: boundText(result.reason),
    notTestableHere: boundNullable(result.notTestableHere),
    banner: boundReply(result.banner),
    extensions: result.extensions
      .slice(0, MAX_EXTENSIONS)
      .map((keyword) => boundText(keyword, MAX_SHORT_TEXT)),
    tls: tls && {
      protocol: boundNullable(tls.protocol, MAX_SHORT_TEXT),
      cipher: boundNullable(tls.cipher, MAX_SHORT_TEXT),
      authorized: tls.authorized,
      authorizationError: boundNullable(tls.authorizationError),
      peerSubject: boundNullable(tls.peerSubject),
      peerIssuer: boundNullable(tls.peerIssuer),
      altNames: boundNullable(tls.altNames),
      validFrom: boundNullable(tls.validFrom, MAX_SHORT_TEXT),
      validTo: boundNullable(tls.validTo, MAX_SHORT_TEXT),
      fingerprint256: boundNullable(tls.fingerprint256, MAX_SHORT_TEXT),
    },
    cases: result.cases.map((entry) => ({
      ...entry,
      reply: boundReply(entry.reply),
      data: boundReply(entry.data),
      note: boundNullable(entry.note),
    })),
    connections: result.connections.map((connection) => ({
      ...connection,
      ending: boundText(connection.ending),
    })),
    transcript: result.transcript.map(boundTranscriptLine),
  };
}
