/**
 * The tiny SMTP client a relaying lab server uses to hand a message onward. Deliberately
 * independent of the engine's client: the lab must not share code with what it tests.
 */
import { once } from "node:events";
import { connect } from "node:net";
import { LineReader } from "./line-reader.ts";

const MAX_REPLY_LINE_BYTES = 4096;
const MAX_REPLY_LINES = 100;

export interface ForwardTarget {
  host: string;
  port: number;
}

export interface Envelope {
  mailFrom: string;
  rcptTo: readonly string[];
  /** Lines ending in CRLF, not dot-stuffed. */
  data: Buffer;
}

/** Sends one message; resolves with how many recipients the next hop accepted. */
export async function forwardMessage(
  target: ForwardTarget,
  envelope: Envelope,
  options: { heloName: string; timeoutMs: number; signal: AbortSignal },
): Promise<number> {
  const socket = connect({ host: target.host, port: target.port });
  socket.on("error", () => {});
  const stop = () => socket.destroy();
  const timer = setTimeout(stop, options.timeoutMs);
  options.signal.addEventListener("abort", stop, { once: true });
  const reader = new LineReader(() => false);
  reader.attach(socket);

  const readReply = async (): Promise<number> => {
    for (let count = 0; count < MAX_REPLY_LINES; count++) {
      const line = await reader.nextLine(MAX_REPLY_LINE_BYTES);
      if (typeof line === "string") throw new Error(`next hop ${line} during the dialogue`);
      const text = line.bytes.toString("latin1");
      if (text.charAt(3) !== "-") return Number.parseInt(text.slice(0, 3), 10);
    }
    throw new Error("next hop sent an endless reply");
  };
  const command = async (line: string, expectedClass: number): Promise<number> => {
    socket.write(`${line}\r\n`, "latin1");
    const code = await readReply();
    if (Math.floor(code / 100) !== expectedClass) throw new Error(`${line} answered ${code}`);
    return code;
  };

  try {
    await once(socket, "connect");
    if (Math.floor((await readReply()) / 100) !== 2)
      throw new Error("next hop refused the session");
    await command(`EHLO ${options.heloName}`, 2);
    await command(`MAIL FROM:<${envelope.mailFrom}>`, 2);
    let accepted = 0;
    for (const recipient of envelope.rcptTo) {
      socket.write(`RCPT TO:<${recipient}>\r\n`, "latin1");
      if (Math.floor((await readReply()) / 100) === 2) accepted++;
    }
    if (accepted === 0) return 0;
    await command("DATA", 3);
    socket.write(dotStuffed(envelope.data), "latin1");
    await command(".", 2);
    socket.write("QUIT\r\n");
    return accepted;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", stop);
    socket.end();
    setTimeout(stop, 1000).unref();
  }
}

function dotStuffed(data: Buffer): string {
  const text = data.toString("latin1").replace(/^\./gm, "..");
  return text === "" || text.endsWith("\r\n") ? text : `${text}\r\n`;
}
