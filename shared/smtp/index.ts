// nodejsConnector is not re-exported: it imports node:net and node:tls, which a Worker bundle
// must not pull in. The CLI imports it from "./nodejs-stream.ts" directly.
export {
  type CloudflareConnect,
  type CloudflareSocket,
  cloudflareConnector,
} from "./cloudflare-stream.ts";
export {
  capabilitiesOf,
  parseEhloExtensions,
  ReplyParser,
  type ReplyParserLimits,
  type ReplyParserOptions,
  type SmtpCapabilities,
} from "./reply-parser.ts";
export { type SessionOptions, SmtpSession, type SmtpTarget } from "./session.ts";
export {
  DEFAULT_MAX_TRANSCRIPT_ENTRIES,
  TRUNCATION_NOTE,
  Transcript,
  type TranscriptOptions,
} from "./transcript.ts";
export * from "./types.ts";
