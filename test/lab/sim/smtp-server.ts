/**
 * The SMTP server machinery every lab server shares: listening, line reading with caps,
 * command dispatch, per-connection state, reply delay, STARTTLS. What differs between
 * servers comes from an SmtpPolicy.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type SecureContext, TLSSocket } from "node:tls";
import { parsePathArgument } from "./addresses.ts";
import { type Line, LineReader } from "./line-reader.ts";
import type { Delivery, SessionView, SmtpPolicy } from "./policy.ts";
import { formatReply, replyLines, type SmtpReply } from "./replies.ts";

/** Postfix's line_length_limit: longer command lines end the session. */
const MAX_COMMAND_LINE_BYTES = 2048;
/** Message lines may be longer than commands but not unbounded. */
const MAX_DATA_LINE_BYTES = 32 * 1024;
/** Advertised as SIZE and enforced: the rest of a bigger message is read and thrown away. */
const DEFAULT_MAX_MESSAGE_BYTES = 10_240_000;
const MAX_RECIPIENTS = 100;
const MAX_CONNECTIONS = 64;
const IDLE_TIMEOUT_MS = 120_000;
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** After our FIN, how long a client may take to close before the socket is destroyed. */
const HANG_UP_GRACE_MS = 2_000;

const CRLF = Buffer.from("\r\n");

const NON_MAIL_COMMANDS = new Set(["RSET", "NOOP", "VRFY", "HELO", "EHLO"]);

export interface AcceptedRecipient {
  /** As the client wrote it in RCPT TO. */
  path: string;
  delivery: Delivery;
}

export interface ReceivedMessage {
  queueId: string;
  mailFrom: string;
  recipients: AcceptedRecipient[];
  /** The message with dot-stuffing undone, every line ending in CRLF. */
  data: Buffer;
  helo: string | null;
  esmtp: boolean;
  tls: boolean;
  remoteAddress: string;
  receivedAt: Date;
}

export interface SmtpServerConfig {
  host: string;
  port: number;
  policy: SmtpPolicy;
  replyDelayMs: number;
  /** SIZE limit (default 10240000). */
  maxMessageBytes?: number;
  onMessage(message: ReceivedMessage): void;
}

export interface SmtpListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function listenSmtp(config: SmtpServerConfig): Promise<SmtpListener> {
  const connections = new Set<SmtpConnection>();
  const converse = (socket: Socket) => {
    // A reset or a failed handshake must not take the lab down.
    socket.on("error", () => {});
    const connection = new SmtpConnection(socket, config);
    connections.add(connection);
    socket.once("close", () => connections.delete(connection));
    void connection.serve();
  };
  const server = createServer(converse);
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: config.host, port: config.port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return {
    host: config.host,
    port: address.port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.destroy();
      await closed;
    },
  };
}

interface Transaction {
  sender: string;
  envelopeSender: string;
  recipients: AcceptedRecipient[];
}

type Outcome = "continue" | "close";

class SmtpConnection implements SessionView {
  readonly remoteAddress: string;
  tls = false;
  esmtp = false;
  helo: string | null = null;
  private transaction: Transaction | null = null;
  /** The socket SMTP is read from and written to: the TCP one, or TLS over it. */
  private socket: Socket;
  private readonly tcpSocket: Socket;
  private readonly reader: LineReader;
  /** Between reading a command and writing its reply; the banner counts as owed. */
  private busy = true;
  private errorReplies = 0;
  private nonMailCommands = 0;
  /** Refused RCPTs in the current transaction, for a bad-RCPT throttle. */
  private refusedRcpts = 0;
  private readonly policy: SmtpPolicy;
  private readonly replyDelayMs: number;
  private readonly maxMessageBytes: number;

  constructor(
    socket: Socket,
    private readonly config: SmtpServerConfig,
  ) {
    this.socket = socket;
    this.tcpSocket = socket;
    this.policy = config.policy;
    this.remoteAddress = socket.remoteAddress ?? "unknown";
    this.replyDelayMs = config.replyDelayMs + (this.policy.extraReplyDelayMs ?? 0);
    this.maxMessageBytes = config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.reader = new LineReader(() => this.busy);
  }

  get mailFrom(): string | null {
    return this.transaction?.sender ?? null;
  }

  private get dialect() {
    return this.policy.dialect;
  }

  destroy(): void {
    this.socket.destroy();
    this.tcpSocket.destroy();
  }

  async serve(): Promise<void> {
    try {
      if (this.policy.implicitTls) {
        if (!(await this.secure())) return;
      } else {
        this.adopt(this.socket);
      }
      // A silent server leaves the client hanging until it gives up or the idle timer fires.
      if (this.policy.greeting.kind === "silent") return;
      if (await this.greet()) await this.commandLoop();
      this.hangUp();
    } catch (error) {
      // A bug in a policy: visible in the test output, and only this connection is lost.
      console.error(`lab server ${this.policy.hostname}:`, error);
      this.destroy();
    }
  }

  private adopt(socket: Socket): void {
    this.socket = socket;
    socket.on("error", () => {});
    socket.setTimeout(IDLE_TIMEOUT_MS, () => this.onIdle());
    this.reader.attach(socket);
  }

  private onIdle(): void {
    if (this.policy.greeting.kind === "reply") this.write(formatReply(this.dialect.timeout));
    this.hangUp();
  }

  private async greet(): Promise<boolean> {
    const greeting = this.policy.greeting;
    if (greeting.kind !== "reply") return false;
    if (this.replyDelayMs > 0) await sleep(this.replyDelayMs);
    if (greeting.pauseMs) {
      if (!greeting.earlyTalkerReply) await sleep(greeting.pauseMs);
      else if (await this.reader.waitForInput(greeting.pauseMs)) {
        await this.reply(greeting.earlyTalkerReply);
        return false;
      }
    }
    for (const [index, line] of replyLines(greeting.reply).entries()) {
      if (index > 0 && greeting.lineGapMs) {
        if (!greeting.earlyTalkerReply) await sleep(greeting.lineGapMs);
        else if (await this.reader.waitForInput(greeting.lineGapMs)) {
          await this.reply(greeting.earlyTalkerReply);
          return false;
        }
      }
      await this.send(line);
    }
    this.busy = false;
    return !greeting.thenClose;
  }

  private async commandLoop(): Promise<void> {
    for (;;) {
      const line = await this.reader.nextLine(MAX_COMMAND_LINE_BYTES);
      if (line === "closed") return;
      if (line === "too-long") return this.reply(this.dialect.lineTooLong);
      this.busy = true;
      if ((await this.handle(line)) === "close") return;
      const limit = this.policy.hardErrorLimit;
      if (limit !== undefined && this.errorReplies >= limit) {
        return this.reply(this.dialect.tooManyErrors);
      }
    }
  }

  private async handle(line: Line): Promise<Outcome> {
    const text = line.bytes.toString("latin1");
    const space = text.indexOf(" ");
    const verb = (space === -1 ? text : text.slice(0, space)).toUpperCase();
    const argument = space === -1 ? "" : text.slice(space + 1).trim();

    const limit = this.policy.nonMailCommandLimit;
    if (NON_MAIL_COMMANDS.has(verb) && limit !== undefined && ++this.nonMailCommands > limit) {
      await this.reply(this.dialect.tooManyNonMailCommands);
      return "close";
    }
    const screened = this.policy.screen?.(this, verb);
    if (screened) return this.answer(screened);
    if (line.early && verb !== "QUIT" && this.policy.rejectUnauthPipelining) {
      if (!(this.esmtp && this.policy.features.pipelining)) {
        const subject = /<([^>]*)>/.exec(argument)?.[1] ?? text;
        return this.answer(this.dialect.improperPipelining(subject));
      }
    }

    switch (verb) {
      case "HELO":
        return this.hello(argument, false);
      case "EHLO":
        return this.policy.features.ehlo
          ? this.hello(argument, true)
          : this.answer(this.dialect.unknownCommand);
      case "MAIL":
        return this.mail(argument);
      case "RCPT":
        return this.rcpt(argument);
      case "DATA":
        return this.data(argument);
      case "RSET":
        this.transaction = null;
        this.refusedRcpts = 0;
        return this.answer(this.dialect.reset);
      case "NOOP":
        return this.answer(this.dialect.noop);
      case "VRFY":
        return this.answer(
          argument ? this.dialect.verify(argument) : this.dialect.syntax("VRFY address"),
        );
      case "STARTTLS":
        return this.startTls();
      case "QUIT":
        await this.reply(this.dialect.quit);
        return "close";
      default:
        return this.answer(this.dialect.unknownCommand);
    }
  }

  private hello(clientName: string, esmtp: boolean): Promise<Outcome> {
    if (!clientName) return this.answer(this.dialect.syntax(`${esmtp ? "EHLO" : "HELO"} hostname`));
    this.helo = clientName;
    this.esmtp = esmtp;
    this.transaction = null;
    return this.answer(
      esmtp ? this.dialect.ehlo(this.ehloKeywords()) : this.dialect.helo(clientName),
    );
  }

  private ehloKeywords(): string[] {
    const { features } = this.policy;
    return [
      ...(features.pipelining ? ["PIPELINING"] : []),
      `SIZE ${this.maxMessageBytes}`,
      ...(features.starttls && !this.tls ? ["STARTTLS"] : []),
      "ENHANCEDSTATUSCODES",
      "8BITMIME",
    ];
  }

  private mail(argument: string): Promise<Outcome> {
    if (this.transaction) return this.answer(this.dialect.nestedMail);
    const parsed = parsePathArgument(argument, "FROM");
    if (!parsed) return this.answer(this.dialect.syntax("MAIL FROM:<address>"));
    const declaredSize = parsed.parameters
      .map((parameter) => /^SIZE=(\d+)$/i.exec(parameter)?.[1])
      .find((size) => size !== undefined);
    if (declaredSize !== undefined && Number(declaredSize) > this.maxMessageBytes) {
      return this.answer(this.dialect.sizeExceeded);
    }
    const decision = this.policy.mail?.(this, parsed.path) ?? {
      reply: this.dialect.mailOk(parsed.path),
    };
    if (decision.reply.code < 400) {
      this.refusedRcpts = 0;
      this.transaction = {
        sender: parsed.path,
        envelopeSender: decision.envelopeSender ?? parsed.path,
        recipients: [],
      };
    }
    return this.answer(decision.reply);
  }

  private async rcpt(argument: string): Promise<Outcome> {
    if (!this.transaction) return this.answer(this.dialect.needMail);
    const parsed = parsePathArgument(argument, "TO");
    if (!parsed) return this.answer(this.dialect.syntax("RCPT TO:<address>"));
    if (parsed.path === "") return this.answer(this.dialect.badRecipientSyntax);
    if (this.transaction.recipients.length >= MAX_RECIPIENTS) {
      return this.answer(this.dialect.tooManyRecipients);
    }
    const decision = this.policy.rcpt(this, parsed.path);
    if (!decision.accepted) {
      const throttle = this.policy.badRcptThrottle;
      this.refusedRcpts += 1;
      if (throttle && this.refusedRcpts > throttle.after) await sleep(throttle.sleepMs);
      return this.answer(decision.reply);
    }
    this.transaction.recipients.push({ path: parsed.path, delivery: decision.delivery });
    return this.answer(decision.reply ?? this.dialect.rcptOk(parsed.path));
  }

  private async data(argument: string): Promise<Outcome> {
    if (argument) return this.answer(this.dialect.syntax("DATA"));
    const transaction = this.transaction;
    if (!transaction) return this.answer(this.dialect.needRcpt);
    if (transaction.recipients.length === 0) return this.answer(this.dialect.noValidRecipients);
    await this.reply(this.dialect.startData);

    const lines: Buffer[] = [];
    let size = 0;
    for (;;) {
      const line = await this.reader.nextLine(MAX_DATA_LINE_BYTES);
      if (line === "closed") return "close";
      if (line === "too-long") {
        await this.reply(this.dialect.lineTooLong);
        return "close";
      }
      const bytes = line.bytes;
      if (bytes.length === 1 && bytes[0] === 0x2e) {
        this.busy = true;
        break;
      }
      const content = bytes[0] === 0x2e ? bytes.subarray(1) : bytes;
      size += content.length + 2;
      if (size <= this.maxMessageBytes) lines.push(content, CRLF);
    }
    this.transaction = null;
    if (size > this.maxMessageBytes) return this.answer(this.dialect.messageTooBig);
    if (this.policy.messageRefusal) return this.answer(this.policy.messageRefusal);

    const queueId = randomBytes(5).toString("hex").toUpperCase();
    this.config.onMessage({
      queueId,
      mailFrom: transaction.envelopeSender,
      recipients: transaction.recipients,
      data: Buffer.concat(lines),
      helo: this.helo,
      esmtp: this.esmtp,
      tls: this.tls,
      remoteAddress: this.remoteAddress,
      receivedAt: new Date(),
    });
    return this.answer(this.dialect.queued(queueId));
  }

  private async startTls(): Promise<Outcome> {
    if (!this.policy.features.starttls) return this.answer(this.dialect.unknownCommand);
    if (this.tls) return this.answer(this.dialect.tlsAlreadyActive);
    await this.reply(this.dialect.readyForTls);
    // RFC 3207 §4.2: whatever the client sent before the handshake is discarded, never obeyed.
    this.reader.detach();
    if (!(await this.secure())) return "close";
    // RFC 3207 §4.2: the session starts over, the client must greet again.
    this.helo = null;
    this.esmtp = false;
    this.transaction = null;
    this.busy = false;
    return "continue";
  }

  /** Runs the server side of a TLS handshake on the current socket and reads from it after. */
  private async secure(): Promise<boolean> {
    const context: SecureContext | undefined = this.policy.tlsContext;
    if (!context) throw new Error(`${this.policy.hostname}: TLS without a certificate`);
    const plain = this.socket;
    plain.setTimeout(0);
    const secure = new TLSSocket(plain, { isServer: true, secureContext: context });
    secure.on("error", () => {});
    const established = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), TLS_HANDSHAKE_TIMEOUT_MS);
      const settle = (outcome: boolean) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      secure.once("secure", () => settle(true));
      secure.once("close", () => settle(false));
    });
    if (!established) {
      secure.destroy();
      return false;
    }
    this.adopt(secure);
    this.tls = true;
    return true;
  }

  private async answer(smtpReply: SmtpReply): Promise<Outcome> {
    await this.reply(smtpReply);
    return "continue";
  }

  private async reply(smtpReply: SmtpReply): Promise<void> {
    if (this.replyDelayMs > 0) await sleep(this.replyDelayMs);
    const errorSleep = this.policy.errorSleep;
    const sleepsFor =
      !errorSleep?.heloPrefix || this.helo?.toLowerCase().startsWith(errorSleep.heloPrefix);
    if (errorSleep && sleepsFor && smtpReply.code >= 400 && this.errorReplies >= errorSleep.after) {
      await sleep(errorSleep.sleepMs);
    }
    await this.send(formatReply(smtpReply));
    this.busy = false;
    if (smtpReply.code >= 400) this.errorReplies++;
  }

  private write(text: string): void {
    if (this.socket.writable) this.socket.write(text, "latin1");
  }

  /** Writes a reply, one byte at a time behind a byte tarpit. */
  private async send(text: string): Promise<void> {
    const interval = this.policy.byteIntervalMs;
    if (!interval) return this.write(text);
    for (const char of text) {
      if (!this.socket.writable) return;
      this.write(char);
      await sleep(interval);
    }
  }

  private hangUp(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), HANG_UP_GRACE_MS).unref();
  }
}
