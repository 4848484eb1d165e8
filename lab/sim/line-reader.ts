import type { Socket } from "node:net";

const LF = 0x0a;
const CR = 0x0d;

/** Input held before the socket is paused, so a flooding client cannot grow memory. */
const MAX_BUFFERED_BYTES = 128 * 1024;

export interface Line {
  /** The line without its CRLF (or bare LF). */
  bytes: Buffer;
  /**
   * The client started sending this line before the reply to the previous one was written:
   * it pipelined. Only meaningful for commands.
   */
  early: boolean;
}

export type ReadResult = Line | "closed" | "too-long";

/**
 * Reads CRLF-terminated lines from a socket, one at a time, with a cap on line length and on
 * buffered input. It can be moved to a new socket after STARTTLS.
 */
export class LineReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Offset in `buffer` from which the bytes arrived early (see Line.early); null if none. */
  private earlyFrom: number | null = null;
  private ended = false;
  private wake: (() => void) | null = null;
  private source: Socket | null = null;

  /** @param isBusy whether a command has been read and its reply not yet written. */
  constructor(private readonly isBusy: () => boolean) {}

  attach(socket: Socket): void {
    this.source = socket;
    this.ended = false;
    socket.on("data", this.onData).on("end", this.onEnd).on("close", this.onEnd);
  }

  /** Stops reading the current socket and forgets what it sent but nobody read yet. */
  detach(): void {
    this.source?.off("data", this.onData).off("end", this.onEnd).off("close", this.onEnd);
    this.source = null;
    this.buffer = Buffer.alloc(0);
    this.earlyFrom = null;
  }

  async nextLine(maxLineBytes: number): Promise<ReadResult> {
    for (;;) {
      const newline = this.buffer.indexOf(LF);
      if (newline !== -1) return this.takeLine(newline, maxLineBytes);
      // +1: a line at the limit may still be waiting for its CR LF.
      if (this.buffer.length > maxLineBytes + 1) return "too-long";
      if (this.ended) return "closed";
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Resolves true as soon as any input is waiting, false after `ms` without input. */
  waitForInput(ms: number): Promise<boolean> {
    if (this.buffer.length > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve(this.buffer.length > 0);
      };
    });
  }

  private takeLine(newline: number, maxLineBytes: number): ReadResult {
    const contentEnd = newline > 0 && this.buffer[newline - 1] === CR ? newline - 1 : newline;
    if (contentEnd > maxLineBytes) return "too-long";
    const line: Line = {
      bytes: Buffer.from(this.buffer.subarray(0, contentEnd)),
      early: this.earlyFrom === 0,
    };
    const consumed = newline + 1;
    this.buffer = this.buffer.subarray(consumed);
    this.earlyFrom =
      this.buffer.length === 0 || this.earlyFrom === null
        ? null
        : Math.max(0, this.earlyFrom - consumed);
    if (this.source?.isPaused() && this.buffer.length < MAX_BUFFERED_BYTES) this.source.resume();
    return line;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.earlyFrom === null) this.earlyFrom = this.earlyOffsetFor(chunk);
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length >= MAX_BUFFERED_BYTES) this.source?.pause();
    this.notify();
  };

  /**
   * Bytes are early when they arrive while a reply is still owed: a command is being handled,
   * a complete command is queued, or an earlier line of the same chunk is still unanswered.
   */
  private earlyOffsetFor(chunk: Buffer): number | null {
    if (this.isBusy() || this.buffer.includes(LF)) return this.buffer.length;
    const firstNewline = chunk.indexOf(LF);
    if (firstNewline === -1 || firstNewline === chunk.length - 1) return null;
    return this.buffer.length + firstNewline + 1;
  }

  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
