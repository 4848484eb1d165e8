import {
  capabilitiesOf,
  parseEhloExtensions,
  ReplyParser,
  type SmtpCapabilities,
} from "./reply-parser.ts";
import type { Transcript } from "./transcript.ts";
import {
  type ByteStream,
  type Connector,
  type Reply,
  type SessionLimits,
  SmtpError,
  type TlsInfo,
} from "./types.ts";

export interface SmtpTarget {
  /** An address literal, already checked by the target guard. */
  address: string;
  port: number;
  implicitTls: boolean;
  /** SNI and the name certificates are reported against. */
  servername?: string;
}

export interface SessionOptions {
  limits: SessionLimits;
  transcript: Transcript;
  /** Which connection of the check this is (1-based), for the transcript. */
  conn: number;
  /** The name announced in EHLO/HELO. */
  heloName: string;
  /** Called once connected, before the banner: whoever may have to close the session early
   *  (a caller that gives up on a tarpit) gets hold of it here. */
  onConnected?: (session: SmtpSession) => void;
  /**
   * Called as each reply is taken, with the verb it answers ("greeting" for the banner, "." for
   * the end of a message) and how long the server took over it: since the command was sent, or
   * since the reply before it when commands were pipelined. A caller pacing itself reads this.
   */
  onReply?: (verb: string, servedMs: number) => void;
}

/** QUIT is a courtesy: a server slow to answer it is simply dropped. */
const QUIT_WAIT_MS = 2_000;

/** Replies parsed but not claimed yet. More than this is a flood, not a conversation. */
const MAX_QUEUED_REPLIES = 256;

const NOTHING_YET = Symbol("nothing yet");

type ReadOutcome = { chunk: Uint8Array | null } | { error: unknown };

/** When a wait ends, and how to name that limit in a timeout message. */
interface Budget {
  until: number;
  limit: string;
}

const encoder = new TextEncoder();

/**
 * One SMTP client connection, built to survive hostile and broken servers: every wait is
 * bounded by its own timeout and by the session deadline, every line goes to the transcript,
 * and replies the server sends unasked are never paired with a later command.
 * A timeout or protocol error closes the session, since reply pairing can no longer be trusted.
 */
export class SmtpSession {
  #stream: ByteStream;
  readonly #target: SmtpTarget;
  readonly #limits: SessionLimits;
  readonly #transcript: Transcript;
  readonly #conn: number;
  readonly #heloName: string;
  readonly #parser: ReplyParser;
  readonly #queue: Reply[] = [];
  /** At most one read is in flight; a wait that times out leaves it for the next wait. */
  #pendingRead: Promise<ReadOutcome> | null = null;
  #serverClosed = false;
  #clientClosed = false;
  #banner: Reply | null = null;
  /** How long the banner took after the connection was made: a greeting pause shows here. */
  #bannerWaitMs = 0;
  /** When the first byte of a reply still incomplete arrived; null between replies. */
  #partialSince: number | null = null;
  /** The verbs of the commands whose replies are still owed, oldest first; the banner first. */
  readonly #awaiting: string[] = ["greeting"];
  /** When the last command was written or the last reply taken: a reply's time runs from it. */
  #lastActivityAt = Date.now();
  readonly #onReply: ((verb: string, servedMs: number) => void) | undefined;
  #greeting: Reply | null = null;
  #extensions = new Map<string, string>();

  private constructor(stream: ByteStream, target: SmtpTarget, options: SessionOptions) {
    this.#stream = stream;
    this.#target = target;
    this.#limits = options.limits;
    this.#transcript = options.transcript;
    this.#conn = options.conn;
    this.#heloName = options.heloName;
    this.#onReply = options.onReply;
    this.#parser = new ReplyParser(options.limits, {
      onLine: (line) => this.#transcript.add(this.#conn, "server", line),
    });
  }

  /** Which connection of the check this is (1-based), as the transcript names it. */
  get conn(): number {
    return this.#conn;
  }

  /**
   * Connects and reads the complete banner before saying anything: early talkers fail
   * Postfix postscreen's pregreet test. A non-2xx banner is returned, not thrown.
   */
  static async open(
    connector: Connector,
    target: SmtpTarget,
    options: SessionOptions,
  ): Promise<SmtpSession> {
    const { limits, transcript, conn } = options;
    const endpoint = formatEndpoint(target.address, target.port);
    transcript.note(
      conn,
      `connecting to ${endpoint}${target.implicitTls ? " (implicit TLS)" : ""}`,
    );
    let stream: ByteStream;
    try {
      stream = await connectWithin(connector, target, budgetFor(limits.connectTimeoutMs, limits));
    } catch (error) {
      const failure =
        error instanceof SmtpError ? error : new SmtpError("connect", messageOf(error));
      transcript.note(conn, `connect failed: ${failure.message}`);
      throw failure;
    }
    transcript.note(conn, `connected to ${endpoint}`);
    if (stream.tls) transcript.note(conn, describeTls(stream.tls));
    const session = new SmtpSession(stream, target, options);
    options.onConnected?.(session);
    try {
      const budget = budgetFor(limits.bannerTimeoutMs, limits);
      const connectedAt = Date.now();
      session.#banner = await session.#nextReply(budget, "the banner");
      session.#bannerWaitMs = Date.now() - connectedAt;
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  get banner(): Reply {
    if (!this.#banner) throw new Error("unreachable: open() always reads the banner");
    return this.#banner;
  }

  get bannerWaitMs(): number {
    return this.#bannerWaitMs;
  }

  /** Milliseconds since the first byte of a reply that has not finished arriving (a server
   *  trickling bytes shows here long before any timeout); null when no reply is half-read. */
  partialReplyAgeMs(now = Date.now()): number | null {
    return this.#partialSince === null ? null : now - this.#partialSince;
  }

  /** Replies still owed for what was sent; none once the session is closed. */
  get repliesOwed(): number {
    return this.closed ? 0 : this.#awaiting.length;
  }

  /** The reply to the last successful EHLO or HELO, null before one. */
  get greeting(): Reply | null {
    return this.#greeting;
  }

  /** EHLO keywords, upper-cased, mapped to their parameters; empty after HELO. */
  get extensions(): ReadonlyMap<string, string> {
    return this.#extensions;
  }

  get capabilities(): SmtpCapabilities {
    return capabilitiesOf(this.#extensions);
  }

  get tls(): TlsInfo | null {
    return this.#stream.tls;
  }

  /** The server closed its side, or we closed the session. */
  get closed(): boolean {
    return this.#serverClosed || this.#clientClosed;
  }

  /** We closed our side. Until then the connection is open on the wire, even after the server
   *  hung up: the server has not yet seen our end of it. */
  get released(): boolean {
    return this.#clientClosed;
  }

  supports(extension: string): boolean {
    return this.#extensions.has(extension.toUpperCase());
  }

  /** EHLO, and HELO when EHLO gets a 5xx (servers predating RFC 1869 answer 500/502). */
  async ehlo(): Promise<Reply> {
    this.#extensions = new Map();
    const reply = await this.command(`EHLO ${this.#heloName}`);
    if (isPositive(reply)) {
      this.#extensions = parseEhloExtensions(reply);
      this.#greeting = reply;
      return reply;
    }
    if (reply.code < 500) return reply;
    this.#note(`EHLO refused with ${reply.code}, falling back to HELO`);
    const helo = await this.command(`HELO ${this.#heloName}`);
    if (isPositive(helo)) this.#greeting = helo;
    return helo;
  }

  /**
   * Returns the reply to STARTTLS. On 220 the stream is upgraded and EHLO sent again, as
   * RFC 3207 §4.2 requires; `greeting` and `extensions` then describe the TLS session.
   */
  async startTls(): Promise<Reply> {
    if (this.tls) throw new SmtpError("protocol", "TLS is already active");
    const reply = await this.command("STARTTLS");
    if (reply.code !== 220) return reply;
    this.#discardPlaintextAfterStartTls();
    const budget = this.#budget(this.#limits.commandTimeoutMs);
    const upgrade = this.#stream.startTls(this.#target.servername ?? this.#target.address);
    let outcome: ByteStream | typeof NOTHING_YET;
    try {
      outcome = await settleWithin(upgrade, budget.until - Date.now());
    } catch (error) {
      const failure = new SmtpError("tls", `TLS handshake failed: ${messageOf(error)}`);
      this.#note(failure.message);
      await this.close();
      throw failure;
    }
    if (outcome === NOTHING_YET) {
      upgrade.then((late) => late.close()).catch(() => undefined);
      throw await this.#timedOut("the TLS handshake", budget);
    }
    this.#stream = outcome;
    this.#note(outcome.tls ? describeTls(outcome.tls) : "TLS established");
    this.#greeting = null;
    try {
      await this.ehlo();
    } catch (error) {
      // Workers' startTls() resolves before the handshake is done, so a certificate the runtime
      // will not accept shows up as the first read failing: that is a TLS failure, not a server
      // that hung up, and the caller may go on without TLS.
      if (!(error instanceof SmtpError) || error.kind !== "disconnect") throw error;
      const failure = new SmtpError(
        "tls",
        `TLS handshake failed after STARTTLS (the connection ended before any reply over TLS; often a certificate this runtime does not trust): ${error.message}`,
      );
      this.#note(failure.message);
      throw failure;
    }
    return reply;
  }

  /** Sends one command line (CRLF is added) and returns its reply. */
  async command(line: string, timeoutMs = this.#limits.commandTimeoutMs): Promise<Reply> {
    assertSingleLine(line);
    const what = `the reply to ${verbOf(line)}`;
    const budget = this.#budget(timeoutMs);
    await this.#transmit(encoder.encode(`${line}\r\n`), [verbOf(line)], budget, what, () =>
      this.#client(line),
    );
    return this.#nextReply(budget, what);
  }

  /**
   * RFC 2920: all lines in one write, then exactly one reply per line, in order; each reply
   * gets the command timeout. Does not check that PIPELINING was advertised: testing servers
   * that did not is the caller's choice. On failure, SmtpError.partial holds the replies so far.
   */
  async pipeline(lines: string[]): Promise<Reply[]> {
    for (const line of lines) assertSingleLine(line);
    if (lines.length > MAX_QUEUED_REPLIES) {
      throw new RangeError(`at most ${MAX_QUEUED_REPLIES} pipelined commands`);
    }
    if (lines.length === 0) return [];
    const batch = encoder.encode(lines.map((line) => `${line}\r\n`).join(""));
    const firstBudget = this.#budget(this.#limits.commandTimeoutMs);
    await this.#transmit(batch, lines.map(verbOf), firstBudget, "a pipelined batch", () => {
      for (const line of lines) this.#client(line);
    });
    const replies: Reply[] = [];
    try {
      for (const [index, line] of lines.entries()) {
        const budget = index === 0 ? firstBudget : this.#budget(this.#limits.commandTimeoutMs);
        const what = `the reply to ${verbOf(line)} (${index + 1} of ${lines.length} pipelined)`;
        replies.push(await this.#nextReply(budget, what));
      }
    } catch (error) {
      if (error instanceof SmtpError) throw new SmtpError(error.kind, error.message, replies);
      throw error;
    }
    return replies;
  }

  /**
   * DATA, then on 354 the message with CRLF line endings, dot-stuffed (RFC 5321 §4.5.2),
   * and the final ".". The body write and the final reply share dataTimeoutMs.
   * Returns the 354-stage reply when it is not 354.
   */
  async data(message: string): Promise<Reply> {
    const go = await this.command("DATA");
    if (go.code !== 354) return go;
    return this.message(message);
  }

  /**
   * After a 354 (to DATA sent alone, or last in a pipelined group as RFC 2920 allows): the
   * message with CRLF line endings, dot-stuffed, the final ".", and the reply to it.
   */
  async message(message: string): Promise<Reply> {
    const body = encoder.encode(toWireBody(message));
    const terminated = new Uint8Array(body.length + 3);
    terminated.set(body);
    terminated.set(encoder.encode(".\r\n"), body.length);
    const what = "the reply to the end of data";
    const budget = this.#budget(this.#limits.dataTimeoutMs);
    await this.#transmit(terminated, ["."], budget, what, () => {
      this.#transcript.messageBody(this.#conn, body.length);
      this.#client(".");
    });
    return this.#nextReply(budget, what);
  }

  /** QUIT, a short wait for 221, then close. Never throws. */
  async quit(): Promise<void> {
    try {
      if (!this.closed && Date.now() < this.#limits.deadline) {
        await this.command("QUIT", QUIT_WAIT_MS);
      }
    } catch {
      // QUIT is a courtesy; the failure is already in the transcript.
    }
    await this.close();
  }

  async close(): Promise<void> {
    if (this.#clientClosed) return;
    this.#clientClosed = true;
    this.#note("connection closed by client");
    await this.#stream.close().catch(() => undefined);
  }

  #budget(timeoutMs: number): Budget {
    return budgetFor(timeoutMs, this.#limits);
  }

  /** Writes after taking in what the server already sent, so stray replies are not paired. */
  async #transmit(
    bytes: Uint8Array,
    verbs: string[],
    budget: Budget,
    what: string,
    log: () => void,
  ) {
    if (this.#clientClosed) throw this.#disconnected(what);
    if (budget.until <= Date.now()) throw await this.#timedOut(what, budget);
    await this.#takeInUnsolicited();
    if (this.#serverClosed) {
      // A 421 sent before closing answers this command (RFC 5321 §3.8); without one, fail.
      if (this.#queue.length === 0) throw this.#disconnected(what);
      return;
    }
    log();
    this.#awaiting.push(...verbs);
    this.#lastActivityAt = Date.now();
    const written = this.#stream.write(bytes).then(
      () => null,
      (error: unknown) => error,
    );
    const outcome = await settleWithin(written, budget.until - Date.now());
    if (outcome === NOTHING_YET) throw await this.#timedOut(`writing before ${what}`, budget);
    // A failed write still lets the reply the server sent before closing be read.
    if (outcome !== null) this.#note(`write failed: ${messageOf(outcome)}`);
  }

  async #takeInUnsolicited(): Promise<void> {
    let received = true;
    while (received && !this.#serverClosed) received = await this.#receive("now");
    for (const reply of this.#queue.splice(0)) {
      if (reply.code === 421) this.#queue.push(reply);
      else this.#note(`ignored unsolicited ${reply.code} reply`);
    }
  }

  /** After STARTTLS's 220, anything already received came in plaintext: an injection
   *  attempt (CVE-2011-0411 style) that must not be read as if TLS had protected it. */
  #discardPlaintextAfterStartTls(): void {
    const bytes = this.#parser.discardPending();
    const replies = this.#queue.splice(0).length;
    // The plain stream's reads end with its upgrade.
    this.#pendingRead = null;
    if (bytes > 0 || replies > 0) {
      this.#note(
        `discarded ${replies} replies and ${bytes} bytes sent in plaintext after 220 to STARTTLS`,
      );
    }
  }

  async #nextReply(budget: Budget, what: string): Promise<Reply> {
    for (;;) {
      const reply = this.#queue.shift();
      if (reply) {
        this.#taken(reply);
        return reply;
      }
      if (this.closed) throw this.#disconnected(what);
      if (!(await this.#receive(budget.until))) throw await this.#timedOut(what, budget);
    }
  }

  #taken(reply: Reply): void {
    const verb = this.#awaiting.shift() ?? "unsolicited";
    const at = reply.receivedAt ?? Date.now();
    this.#onReply?.(verb, Math.max(0, at - this.#lastActivityAt));
    this.#lastActivityAt = Math.max(this.#lastActivityAt, at);
  }

  /** Takes in one read: false when none completed by `until` ("now": no waiting at all). */
  async #receive(until: number | "now"): Promise<boolean> {
    this.#pendingRead ??= this.#stream.read().then(
      (chunk) => ({ chunk }),
      (error: unknown) => ({ error }),
    );
    const outcome =
      until === "now"
        ? await settledNow(this.#pendingRead)
        : await settleWithin(this.#pendingRead, until - Date.now());
    if (outcome === NOTHING_YET) return false;
    this.#pendingRead = null;
    if ("error" in outcome) this.#serverGone(`connection lost: ${messageOf(outcome.error)}`);
    else if (outcome.chunk === null) this.#serverGone("server closed the connection");
    else await this.#feed(outcome.chunk);
    return true;
  }

  async #feed(chunk: Uint8Array): Promise<void> {
    try {
      const receivedAt = Date.now();
      const replies = this.#parser.push(chunk);
      for (const reply of replies) reply.receivedAt = receivedAt;
      // A reply completed in this chunk means any unfinished one began in it too.
      if (!this.#parser.midReply) this.#partialSince = null;
      else if (replies.length > 0 || this.#partialSince === null) this.#partialSince = receivedAt;
      this.#queue.push(...replies);
      if (this.#queue.length > MAX_QUEUED_REPLIES) {
        throw new SmtpError("protocol", `more than ${MAX_QUEUED_REPLIES} unclaimed replies`);
      }
    } catch (error) {
      if (error instanceof SmtpError) this.#note(`protocol error: ${error.message}`);
      await this.close();
      throw error;
    }
  }

  #serverGone(reason: string): void {
    this.#serverClosed = true;
    this.#note(reason);
    try {
      this.#queue.push(...this.#parser.finish());
    } catch (error) {
      this.#note(`unparsable last line: ${messageOf(error)}`);
    }
  }

  #disconnected(what: string): SmtpError {
    const state = this.#clientClosed ? "connection already closed" : "server closed the connection";
    return new SmtpError("disconnect", `${state}, no ${what}`);
  }

  async #timedOut(what: string, budget: Budget): Promise<SmtpError> {
    const failure = new SmtpError("timeout", `timed out awaiting ${what} (limit: ${budget.limit})`);
    this.#note(failure.message);
    await this.close();
    return failure;
  }

  #client(line: string): void {
    this.#transcript.add(this.#conn, "client", line);
  }

  #note(line: string): void {
    this.#transcript.note(this.#conn, line);
  }
}

function budgetFor(timeoutMs: number, limits: SessionLimits): Budget {
  const own = Date.now() + timeoutMs;
  return own <= limits.deadline
    ? { until: own, limit: `${timeoutMs} ms` }
    : { until: limits.deadline, limit: "session deadline" };
}

async function connectWithin(
  connector: Connector,
  target: SmtpTarget,
  budget: Budget,
): Promise<ByteStream> {
  const timeoutMs = budget.until - Date.now();
  if (timeoutMs <= 0) throw new SmtpError("timeout", "session deadline passed before connecting");
  const attempt = connector({ ...target, timeoutMs });
  const outcome = await settleWithin(attempt, timeoutMs);
  if (outcome !== NOTHING_YET) return outcome;
  // A connector that overran its timeout may still deliver a stream nobody will close.
  attempt.then((late) => late.close()).catch(() => undefined);
  throw new SmtpError("timeout", `connect timed out (limit: ${budget.limit})`);
}

async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | typeof NOTHING_YET> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<typeof NOTHING_YET>((resolve) => {
    timer = setTimeout(() => resolve(NOTHING_YET), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Node's setImmediate runs after pending socket I/O; Workers lack it and get a 0 ms timer. */
const setImmediateIfAny = (globalThis as { setImmediate?: (callback: () => void) => unknown })
  .setImmediate;

/** Settles with what the server already sent, without waiting for more. */
function settledNow<T>(promise: Promise<T>): Promise<T | typeof NOTHING_YET> {
  const afterPendingIo = new Promise<typeof NOTHING_YET>((resolve) => {
    if (setImmediateIfAny) setImmediateIfAny(() => resolve(NOTHING_YET));
    else setTimeout(() => resolve(NOTHING_YET), 0);
  });
  return Promise.race([promise, afterPendingIo]);
}

function isPositive(reply: Reply): boolean {
  return reply.code >= 200 && reply.code < 300;
}

/** A CR or LF inside a command would smuggle a second command past the reply pairing. */
function assertSingleLine(line: string): void {
  if (/[\r\n]/.test(line)) throw new RangeError("an SMTP command must not contain CR or LF");
}

function verbOf(line: string): string {
  return (line.split(" ", 1)[0] ?? "").toUpperCase();
}

/** CRLF line endings, a leading "." doubled, and a final CRLF before the terminating ".". */
function toWireBody(message: string): string {
  const lines = message.split(/\r\n|\r|\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines.map((line) => `${line.startsWith(".") ? "." : ""}${line}\r\n`).join("");
}

function formatEndpoint(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

function describeTls(tls: TlsInfo): string {
  const session = `${tls.protocol ?? "protocol unknown"}, ${tls.cipher ?? "cipher unknown"}`;
  const subject = tls.peerSubject ?? "unknown";
  const details = [
    tls.peerIssuer && `issuer ${tls.peerIssuer}`,
    tls.validFrom && tls.validTo && `valid ${tls.validFrom} to ${tls.validTo}`,
    tls.altNames && `names ${tls.altNames}`,
  ].filter(Boolean);
  const more = details.length > 0 ? `; ${details.join("; ")}` : "";
  return `TLS established (${session}); certificate subject ${subject}${more}; ${describeVerification(tls)}`;
}

function describeVerification(tls: TlsInfo): string {
  if (tls.authorized === null) return "verification unknown";
  if (tls.authorized) return "certificate verified";
  return `certificate not verified (${tls.authorizationError ?? "no reason given"})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
