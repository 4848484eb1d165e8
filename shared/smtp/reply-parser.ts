import { type Reply, SmtpError } from "./types.ts";

export interface ReplyParserLimits {
  /** Bytes of each reply line kept; the rest of a longer line is counted, dropped and marked. */
  displayLineBytes: number;
  /** Bytes of one reply's lines the parser may hold, as kept (a cut line counts what is kept). */
  maxReplyBytes: number;
  /** Bytes the server may send over the whole session. */
  maxSessionBytes: number;
}

export interface ReplyParserOptions {
  /** Called with every complete line as soon as it arrives, before it is validated,
   *  so a transcript also shows the line that made the session fail. */
  onLine?: (line: string) => void;
}

const LF = 0x0a;
const CR = 0x0d;

/** `250-text` or `250 text` or a bare `250`. RFC 5321 codes start with 2 to 5. */
const REPLY_LINE = /^([2-5]\d\d)([ -]|$)(.*)$/s;

/** RFC 3463 status code at the start of the text, followed by a space or the end. */
const ENHANCED_CODE = /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)/;

interface OpenReply {
  code: number;
  lines: string[];
  enhanced: string | null;
}

/**
 * Turns the bytes of an SMTP server into replies, however the bytes are split across reads.
 * RFC 5321 §4.5.3.1.5 caps a reply line at 512 octets, but real servers send banners and
 * refusals of several kilobytes (HTML included): a longer line is kept up to displayLineBytes,
 * marked as cut, and parsing goes on. Memory is bounded all the same: a partial line never
 * holds more than displayLineBytes, the lines kept of one reply never more than maxReplyBytes,
 * and the server never sends more than maxSessionBytes; only those caps end a session.
 * After the first protocol error every call throws that same error.
 */
export class ReplyParser {
  readonly #limits: ReplyParserLimits;
  readonly #onLine: ((line: string) => void) | undefined;
  readonly #decoder = new TextDecoder("utf-8");
  /** One extra byte so a line of exactly maxLineBytes can still carry its CR. */
  readonly #partial: Uint8Array;
  #partialLength = 0;
  /** Bytes of the current line beyond what #partial keeps. */
  #droppedLineBytes = 0;
  /** Whether the dropped part of the current line ended in CR (a CRLF split from its LF). */
  #endsInCr = false;
  /** Bytes of the reply being read so far, line endings included. */
  #replyBytes = 0;
  #bytesReceived = 0;
  #open: OpenReply | null = null;
  #failure: SmtpError | null = null;

  constructor(limits: ReplyParserLimits, options: ReplyParserOptions = {}) {
    this.#limits = limits;
    this.#onLine = options.onLine;
    this.#partial = new Uint8Array(limits.displayLineBytes + 1);
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Bytes of an unfinished line or reply are waiting for more input. */
  get midReply(): boolean {
    return this.#partialLength > 0 || this.#droppedLineBytes > 0 || this.#open !== null;
  }

  /** Feeds bytes; returns the replies they complete, in order. */
  push(bytes: Uint8Array): Reply[] {
    if (this.#failure) throw this.#failure;
    this.#bytesReceived += bytes.length;
    if (this.#bytesReceived > this.#limits.maxSessionBytes) {
      throw this.#fail(`server sent more than ${this.#limits.maxSessionBytes} bytes`);
    }
    const replies: Reply[] = [];
    let start = 0;
    while (start < bytes.length) {
      const lineFeed = bytes.indexOf(LF, start);
      const end = lineFeed === -1 ? bytes.length : lineFeed + 1;
      this.#append(bytes.subarray(start, lineFeed === -1 ? end : lineFeed));
      if (lineFeed === -1) break;
      const reply = this.#completeLine();
      if (reply) replies.push(reply);
      start = lineFeed + 1;
    }
    return replies;
  }

  /** The server closed: a last line without its line ending still counts, an unfinished
   *  multi-line reply is dropped. */
  finish(): Reply[] {
    if (this.#failure) throw this.#failure;
    const pending = this.#partialLength > 0 || this.#droppedLineBytes > 0;
    const reply = pending ? this.#completeLine() : null;
    this.#open = null;
    this.#replyBytes = 0;
    return reply ? [reply] : [];
  }

  /** Forgets an unfinished line or reply and returns how many bytes of a line were dropped.
   *  STARTTLS needs this: plaintext sent after the 220 must not be read as TLS-protected. */
  discardPending(): number {
    const dropped = this.#partialLength + this.#droppedLineBytes;
    this.#partialLength = 0;
    this.#droppedLineBytes = 0;
    this.#replyBytes = 0;
    this.#open = null;
    return dropped;
  }

  /** Keeps what fits of the line and counts the rest, remembering whether it ended in CR. */
  #append(segment: Uint8Array): void {
    const room = this.#partial.length - this.#partialLength;
    const kept = segment.subarray(0, room);
    this.#partial.set(kept, this.#partialLength);
    this.#partialLength += kept.length;
    this.#replyBytes += kept.length;
    if (this.#replyBytes > this.#limits.maxReplyBytes) {
      throw this.#fail(`a reply longer than ${this.#limits.maxReplyBytes} bytes as kept`);
    }
    this.#droppedLineBytes += segment.length - kept.length;
    if (segment.length > kept.length) this.#endsInCr = segment[segment.length - 1] === CR;
  }

  #completeLine(): Reply | null {
    let length = this.#partialLength;
    let dropped = this.#droppedLineBytes;
    if (dropped > 0) {
      if (this.#endsInCr) dropped--;
    } else if (length > 0 && this.#partial[length - 1] === CR) {
      length--;
    }
    // The kept part may end in the extra byte that only exists to hold a CR.
    if (length > this.#limits.displayLineBytes) {
      dropped += length - this.#limits.displayLineBytes;
      length = this.#limits.displayLineBytes;
    }
    this.#partialLength = 0;
    this.#droppedLineBytes = 0;
    this.#endsInCr = false;
    const kept = this.#decoder.decode(this.#partial.subarray(0, length));
    const line = dropped > 0 ? `${kept}${cutMarker(length + dropped)}` : kept;
    this.#onLine?.(line);
    return this.#parseLine(line);
  }

  #parseLine(line: string): Reply | null {
    const match = REPLY_LINE.exec(line);
    if (!match) throw this.#fail(`malformed reply line ${quote(line)}`);
    const code = Number(match[1]);
    const isLast = match[2] !== "-";
    const open = this.#open ?? { code, lines: [], enhanced: null };
    if (open.code !== code) {
      throw this.#fail(`reply line ${quote(line)} continues a ${open.code} reply`);
    }
    const { enhanced, text } = splitEnhancedCode(code, match[3] ?? "");
    open.enhanced ??= enhanced;
    open.lines.push(text);
    if (!isLast) {
      this.#open = open;
      return null;
    }
    this.#open = null;
    this.#replyBytes = 0;
    return { code, enhanced: open.enhanced, lines: open.lines, text: open.lines.join(" ") };
  }

  #fail(message: string): SmtpError {
    this.#failure = new SmtpError("protocol", message);
    this.#partialLength = 0;
    this.#droppedLineBytes = 0;
    this.#open = null;
    return this.#failure;
  }
}

/** Ends a line kept only in part, so a reader knows the server said more. */
export const LINE_CUT_MARKER = "[…";

function cutMarker(totalBytes: number): string {
  return ` ${LINE_CUT_MARKER} line of ${totalBytes} bytes cut for display]`;
}

/** An enhanced code only counts when its class agrees with the reply: "250 5.0.0" is text. */
function splitEnhancedCode(code: number, text: string): { enhanced: string | null; text: string } {
  const match = ENHANCED_CODE.exec(text);
  if (!match || Number(match[1]) !== Math.floor(code / 100)) return { enhanced: null, text };
  return { enhanced: `${match[1]}.${match[2]}.${match[3]}`, text: text.slice(match[0].length) };
}

function quote(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
}

/** The extensions a relay test cares about, read from an EHLO reply. */
export interface SmtpCapabilities {
  pipelining: boolean;
  startTls: boolean;
  /** Whether SIZE was advertised at all. */
  size: boolean;
  /** The declared maximum message size in bytes; null when absent or 0 ("no fixed limit"). */
  sizeLimit: number | null;
  eightBitMime: boolean;
  smtpUtf8: boolean;
  enhancedStatusCodes: boolean;
  /** SASL mechanisms, upper-cased, e.g. ["PLAIN", "LOGIN"]. */
  authMechanisms: string[];
}

const EHLO_KEYWORD_LINE = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:[ =](.*))?$/;

/**
 * EHLO keywords, upper-cased, mapped to their parameters ("" when none). The first line is the
 * server's greeting, not an extension. `AUTH=LOGIN PLAIN` (an old Outlook-era form) is merged
 * into AUTH; lines that are not keywords are ignored, since a broken EHLO list is not fatal.
 */
export function parseEhloExtensions(reply: Reply): Map<string, string> {
  const extensions = new Map<string, string>();
  for (const line of reply.lines.slice(1)) {
    const match = EHLO_KEYWORD_LINE.exec(line.trim());
    if (!match?.[1]) continue;
    const keyword = match[1].toUpperCase();
    const params = (match[2] ?? "").trim();
    const previous = extensions.get(keyword);
    extensions.set(keyword, previous === undefined ? params : mergeWords(previous, params));
  }
  return extensions;
}

export function capabilitiesOf(extensions: ReadonlyMap<string, string>): SmtpCapabilities {
  const declaredSize = Number.parseInt(extensions.get("SIZE") ?? "", 10);
  return {
    pipelining: extensions.has("PIPELINING"),
    startTls: extensions.has("STARTTLS"),
    size: extensions.has("SIZE"),
    sizeLimit: Number.isFinite(declaredSize) && declaredSize > 0 ? declaredSize : null,
    eightBitMime: extensions.has("8BITMIME"),
    smtpUtf8: extensions.has("SMTPUTF8"),
    enhancedStatusCodes: extensions.has("ENHANCEDSTATUSCODES"),
    authMechanisms: [...new Set(words(extensions.get("AUTH")?.toUpperCase() ?? ""))],
  };
}

function mergeWords(first: string, second: string): string {
  return [...new Set([...words(first), ...words(second)])].join(" ");
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}
