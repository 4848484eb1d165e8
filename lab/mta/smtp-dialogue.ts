/**
 * A raw, line-by-line SMTP conversation for lab checks: the test says exactly which bytes
 * go out and sees every reply, with nothing of the product's own SMTP code in between.
 */
import { Socket } from "node:net";
import type { Reply } from "../../shared/smtp/types.ts";
import { LAB_HOST } from "./instance.ts";

export type { Reply } from "../../shared/smtp/types.ts";

const FINAL_REPLY_LINE = /^(\d{3})(?: |$)/;
const ENHANCED_CODE = /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/;

function parseReply(rawLines: string[]): Reply {
  const code = Number(rawLines[rawLines.length - 1]?.slice(0, 3));
  const texts = rawLines.map((line) => line.slice(4));
  const enhanced = texts[0]?.match(ENHANCED_CODE)?.[1] ?? null;
  const lines = enhanced ? texts.map((text) => text.replace(ENHANCED_CODE, "")) : texts;
  return { code, enhanced, lines, text: lines.join(" ") };
}

export class SmtpDialogue {
  private buffer = "";
  private ended = false;
  private wakeReader: (() => void) | null = null;
  private greetingReply: Reply | null = null;
  /** Resolves once the server (or we) closed the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("latin1");
      this.wake();
    });
    // A reset after the server's last reply is just a hang-up as far as a test is concerned.
    socket.on("error", () => undefined);
    this.closed = new Promise<void>((resolveClosed) =>
      socket.once("close", () => {
        this.ended = true;
        this.wake();
        resolveClosed();
      }),
    );
  }

  /** Connects to a lab MTA on 127.0.0.1 and reads its greeting. */
  static async open(port: number, timeoutMs = 10_000): Promise<SmtpDialogue> {
    const socket = new Socket();
    // Listeners go on before connecting, so not one byte of the greeting can slip past.
    const dialogue = new SmtpDialogue(socket);
    await new Promise<void>((resolveConnect, reject) => {
      socket.once("error", reject);
      socket.connect(port, LAB_HOST, () => {
        socket.off("error", reject);
        resolveConnect();
      });
    });
    dialogue.greetingReply = await dialogue.readReply(timeoutMs);
    return dialogue;
  }

  /** The server's 220 (or refusal) greeting. */
  get greeting(): Reply {
    if (this.greetingReply === null) throw new Error("greeting not read yet");
    return this.greetingReply;
  }

  private wake(): void {
    const wakeReader = this.wakeReader;
    this.wakeReader = null;
    wakeReader?.();
  }

  /** The next complete (possibly multi-line) reply. */
  async readReply(timeoutMs = 30_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    const rawLines: string[] = [];
    for (;;) {
      const newline = this.buffer.indexOf("\r\n");
      if (newline >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 2);
        rawLines.push(line);
        if (FINAL_REPLY_LINE.test(line)) return parseReply(rawLines);
        continue;
      }
      if (this.ended) throw new Error(`connection closed while awaiting a reply (${rawLines})`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no reply within ${timeoutMs} ms (${rawLines})`);
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(resolveWait, remaining);
        this.wakeReader = () => {
          clearTimeout(timer);
          resolveWait();
        };
      });
    }
  }

  /** Sends one command line (CRLF added) and returns the server's reply to it. */
  async command(line: string, timeoutMs?: number): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.readReply(timeoutMs);
  }

  /** Sends bytes as they are: message content, pipelined batches. */
  write(raw: string): void {
    this.socket.write(raw, "latin1");
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Says QUIT if the line is still up, then closes. */
  async close(): Promise<void> {
    if (!this.ended) {
      try {
        await this.command("QUIT", 5_000);
      } catch {
        // The server hung up first; closing is all that is left to do.
      }
      this.socket.end();
    }
    this.socket.destroy();
    await this.closed;
  }
}
