/**
 * The contracts of the SMTP layer. The engine talks to servers only through these,
 * so the same code runs over `cloudflare:sockets` in a Worker and over node:net in the CLI.
 */
import type { TlsSummary } from "../schemas/probe-result.ts";

/** One complete SMTP reply, possibly assembled from several `250-` continuation lines. */
export interface Reply {
  code: number;
  /** RFC 3463 enhanced status code such as "5.7.1", when the server sent one. */
  enhanced: string | null;
  /** Text of every line, without the code, the separator and the enhanced code. */
  lines: string[];
  /** The lines joined with a space: what a person reads. */
  text: string;
  /** Epoch milliseconds at which the session received the reply's last line (pacing). */
  receivedAt?: number;
}

/** A 2xx reply: the command succeeded (RFC 5321 §4.2.1). Takes a reply or its summary. */
export function isPositive(reply: Pick<Reply, "code">): boolean {
  return reply.code >= 200 && reply.code < 300;
}

/** A duplex byte stream to one server. */
export interface ByteStream {
  /** Next chunk from the server, or null once the server closed its side. */
  read(): Promise<Uint8Array | null>;
  write(bytes: Uint8Array): Promise<void>;
  /** Upgrade this connection in place (STARTTLS). The old stream must not be used afterwards. */
  startTls(servername: string): Promise<ByteStream>;
  close(): Promise<void>;
  readonly tls: TlsSummary | null;
}

export interface ConnectOptions {
  /** An address literal, already checked by the target guard. Never a name to resolve again. */
  address: string;
  port: number;
  /** TLS from the first byte (port 465, RFC 8314). */
  implicitTls: boolean;
  /** SNI and the name certificates are reported against. */
  servername?: string;
  timeoutMs: number;
}

export type Connector = (options: ConnectOptions) => Promise<ByteStream>;

export type TranscriptDirection = "server" | "client" | "note";

/** One line of a session log, like a mail server's own log. */
export interface TranscriptEntry {
  /** ISO 8601 time with milliseconds. */
  at: string;
  /** Which connection of the check (1-based) the line belongs to. */
  conn: number;
  dir: TranscriptDirection;
  line: string;
}

export type SmtpErrorKind = "connect" | "timeout" | "disconnect" | "protocol" | "tls";

export class SmtpError extends Error {
  constructor(
    readonly kind: SmtpErrorKind,
    message: string,
    /** Replies that did arrive before the failure (for a pipelined batch). */
    readonly partial: Reply[] = [],
  ) {
    super(message);
    this.name = "SmtpError";
  }
}

export interface SessionLimits {
  connectTimeoutMs: number;
  bannerTimeoutMs: number;
  commandTimeoutMs: number;
  /** After the final "." of DATA, RFC 5321 §4.5.3.2.6 suggests 10 minutes; we use less. */
  dataTimeoutMs: number;
  /** Absolute epoch milliseconds after which nothing more is awaited. */
  deadline: number;
  /** Bytes of a reply line kept for reading and display; a longer line is cut and marked,
   *  never fatal (RFC 5321 allows 512, real banners carry kilobytes of HTML). */
  displayLineBytes: number;
  /** Bytes of one reply held, lines as kept: past it the session ends as a protocol error. */
  maxReplyBytes: number;
  /** Bytes the server may send over the whole session. */
  maxSessionBytes: number;
}

export const DEFAULT_LIMITS: Omit<SessionLimits, "deadline"> = {
  connectTimeoutMs: 10_000,
  bannerTimeoutMs: 30_000,
  commandTimeoutMs: 30_000,
  dataTimeoutMs: 60_000,
  displayLineBytes: 512,
  maxReplyBytes: 256 * 1024,
  maxSessionBytes: 1024 * 1024,
};
