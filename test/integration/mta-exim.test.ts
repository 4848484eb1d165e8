/**
 * Real Exim instances on loopback: the secure one must refuse to relay the way Exim's default
 * configuration does, the open one must relay to (our) sink, and the instances must start and
 * stop cleanly. Skips only on a developer machine without the unpacked Exim; under CI a
 * missing Exim fails.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eximAvailable, type MtaInstance, startExim } from "../lab/mta/exim.ts";
import { LAB_HOST } from "../lab/mta/instance.ts";
import { type Reply, SmtpDialogue } from "../lab/mta/smtp-dialogue.ts";

const CANARY_RECIPIENT = "x@canary.relaywatch.test";
const PROBE_SENDER = "probe@relaywatch.test";
/** Under lab-run/test-mta so tests never take over the lab launcher's own instances. */
const WORK_ROOT = fileURLToPath(new URL("../../lab-run/test-mta/", import.meta.url));

const skipReason =
  !eximAvailable() && !process.env.CI
    ? "Exim is not unpacked (lab-run/exim-dist) or user Debian-exim is missing: run scripts/install-system-deps.sh"
    : null;
if (skipReason) console.warn(`mta-exim tests skipped: ${skipReason}`);

interface SunkMessage {
  mailFrom: string;
  rcptTo: string[];
  data: string;
}

/**
 * The smallest SMTP receiver that Postfix's smtp client will deliver to: it accepts every
 * envelope and keeps the messages in memory. (The lab's real sink lives in test/lab/sink.ts.)
 */
class TestSink {
  readonly messages: SunkMessage[] = [];
  private readonly server: Server;
  private readonly waiters = new Set<() => void>();
  private readonly connections = new Set<Socket>();

  private constructor(server: Server) {
    this.server = server;
    server.on("connection", (socket) => {
      this.connections.add(socket);
      socket.once("close", () => this.connections.delete(socket));
      this.converse(socket);
    });
  }

  static async start(): Promise<TestSink> {
    const sink = new TestSink(createServer());
    await new Promise<void>((resolveListen) => sink.server.listen(0, LAB_HOST, resolveListen));
    return sink;
  }

  get port(): number {
    const address = this.server.address();
    if (typeof address !== "object" || address === null) throw new Error("sink not listening");
    return address.port;
  }

  private converse(socket: Socket): void {
    let buffer = "";
    let envelope: SunkMessage = { mailFrom: "", rcptTo: [], data: "" };
    let inData = false;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("latin1");
      for (let newline = buffer.indexOf("\r\n"); newline >= 0; newline = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            this.messages.push(envelope);
            envelope = { mailFrom: envelope.mailFrom, rcptTo: [], data: "" };
            for (const wake of this.waiters) wake();
            reply("250 2.0.0 Ok: sunk");
          } else {
            envelope.data += `${line.startsWith(".") ? line.slice(1) : line}\r\n`;
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") reply("250 sink.lab.test");
        else if (verb === "MAIL") {
          envelope = {
            mailFrom: line.replace(/^MAIL FROM:\s*<?([^>]*)>?.*$/i, "$1"),
            rcptTo: [],
            data: "",
          };
          reply("250 2.1.0 Ok");
        } else if (verb === "RCPT") {
          envelope.rcptTo.push(line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, "$1"));
          reply("250 2.1.5 Ok");
        } else if (verb === "DATA") {
          inData = true;
          reply("354 End data with <CR><LF>.<CR><LF>");
        } else if (verb === "RSET" || verb === "NOOP") reply("250 2.0.0 Ok");
        else if (verb === "QUIT") {
          reply("221 2.0.0 Bye");
          socket.end();
        } else reply("502 5.5.2 Command not implemented");
      }
    });
    reply("220 sink.lab.test ESMTP test sink");
  }

  /** The first message (already received or still to come) that matches. */
  async waitFor(
    matches: (message: SunkMessage) => boolean,
    timeoutMs: number,
  ): Promise<SunkMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(matches);
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no matching message at the sink within ${timeoutMs} ms`);
      await new Promise<void>((resolveWait) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolveWait();
        };
        const timer = setTimeout(wake, remaining);
        this.waiters.add(wake);
      });
    }
  }

  close(): Promise<void> {
    // Postfix caches idle connections to the sink; they must not keep the server open.
    for (const socket of this.connections) socket.destroy();
    return new Promise((resolveClose) => this.server.close(() => resolveClose()));
  }
}

/** Sends the same command until the server answers with `finalCode` or hangs up. */
async function repeatUntil(
  dialogue: SmtpDialogue,
  command: string,
  finalCode: (reply: Reply) => boolean,
  limit: number,
): Promise<{ before: Reply[]; final: Reply | null }> {
  const before: Reply[] = [];
  for (let attempt = 0; attempt < limit; attempt++) {
    const reply = await dialogue.command(command, 15_000);
    if (finalCode(reply)) return { before, final: reply };
    before.push(reply);
  }
  return { before, final: null };
}

describe.skipIf(skipReason !== null)("real Exim on 127.0.0.1", () => {
  let sink: TestSink;
  let secure: MtaInstance;
  let open: MtaInstance;

  beforeAll(async () => {
    sink = await TestSink.start();
    const common = { port: 0, relayHost: LAB_HOST, relayPort: sink.port };
    [secure, open] = await Promise.all([
      startExim({ ...common, name: "secure", mode: "secure", workDir: `${WORK_ROOT}exim-secure` }),
      startExim({ ...common, name: "open", mode: "open", workDir: `${WORK_ROOT}exim-open` }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([secure?.close(), open?.close()]);
    await sink?.close();
  });

  it("gives each instance its own loopback port and host name", async () => {
    expect(secure.kind).toBe("exim");
    expect(secure.port).not.toBe(open.port);
    expect(secure.hostname).toBe("secure.exim.lab.test");
    expect(open.hostname).toBe("open.exim.lab.test");
    const dialogue = await SmtpDialogue.open(open.port);
    expect(dialogue.greeting.code).toBe(220);
    expect(dialogue.greeting.text).toBe("open.exim.lab.test ESMTP");
    await dialogue.close();
  });

  it("secure: refuses to relay to a foreign domain but accepts local postmaster", async () => {
    const dialogue = await SmtpDialogue.open(secure.port);
    expect((await dialogue.command("EHLO probe.relaywatch.test")).code).toBe(250);
    expect((await dialogue.command(`MAIL FROM:<${PROBE_SENDER}>`)).code).toBe(250);

    const relay = await dialogue.command(`RCPT TO:<${CANARY_RECIPIENT}>`);
    expect(relay.code).toBe(550);
    expect(relay.text).toBe("relay not permitted");

    expect((await dialogue.command(`RCPT TO:<postmaster@${secure.hostname}>`)).code).toBe(250);
    expect((await dialogue.command(`RCPT TO:<postmaster@${secure.domain}>`)).code).toBe(250);
    await dialogue.close();
  });

  it("open: relays a message for a foreign domain all the way to the sink", async () => {
    const token = randomUUID();
    const dialogue = await SmtpDialogue.open(open.port);
    expect((await dialogue.command("EHLO probe.relaywatch.test")).code).toBe(250);
    expect((await dialogue.command(`MAIL FROM:<${PROBE_SENDER}>`)).code).toBe(250);
    expect((await dialogue.command(`RCPT TO:<${CANARY_RECIPIENT}>`)).code).toBe(250);
    expect((await dialogue.command("DATA")).code).toBe(354);
    dialogue.write(
      [
        `From: <${PROBE_SENDER}>`,
        `To: <${CANARY_RECIPIENT}>`,
        `Subject: relaywatch canary ${token}`,
        `Message-ID: <${token}@relaywatch.test>`,
        "",
        `canary ${token}`,
        ".",
        "",
      ].join("\r\n"),
    );
    expect((await dialogue.readReply()).code).toBe(250);
    await dialogue.close();

    const delivered = await sink.waitFor((message) => message.data.includes(token), 10_000);
    expect(delivered.rcptTo).toEqual([CANARY_RECIPIENT]);
    expect(delivered.mailFrom).toBe(PROBE_SENDER);
    expect(delivered.data).toContain("by open.exim.lab.test");
  });

  it("secure: ends the session at the 4th unknown command (smtp_max_unknown_commands = 3)", async () => {
    const dialogue = await SmtpDialogue.open(secure.port);
    expect((await dialogue.command("EHLO probe.relaywatch.test")).code).toBe(250);
    const { before, final } = await repeatUntil(
      dialogue,
      "XRELAYWATCH",
      (reply) => reply.text.includes("Too many"),
      10,
    );
    expect(before.map((reply) => reply.code)).toEqual([500, 500, 500]);
    expect(final?.code).toBe(500);
    expect(final?.text).toBe("Too many unrecognized commands");
    await dialogue.closed;
  });

  it("secure: ends the session at the 11th non-mail command (smtp_accept_max_nonmail = 10)", async () => {
    const dialogue = await SmtpDialogue.open(secure.port);
    // The opening EHLO is not counted: ten NOOPs are answered, the eleventh is refused.
    expect((await dialogue.command("EHLO probe.relaywatch.test")).code).toBe(250);
    const { before, final } = await repeatUntil(
      dialogue,
      "NOOP",
      (reply) => reply.code !== 250,
      20,
    );
    expect(before).toHaveLength(10);
    expect(final?.code).toBe(554);
    expect(final?.text).toBe("Too many nonmail commands");
    await dialogue.closed;
  });

  it("restarts cleanly over a crashed run's leftovers and frees the port on close", async () => {
    const workDir = `${WORK_ROOT}exim-restart`;
    const options = {
      name: "restart",
      mode: "secure",
      port: 0,
      relayHost: LAB_HOST,
      relayPort: sink.port,
      workDir,
    } as const;
    // Never closed: stands for an instance whose test process died.
    const abandoned = await startExim(options);
    const restarted = await startExim(options);
    await expect(SmtpDialogue.open(abandoned.port, 2_000)).rejects.toThrow();
    const dialogue = await SmtpDialogue.open(restarted.port);
    expect(dialogue.greeting.text).toBe("restart.exim.lab.test ESMTP");
    await dialogue.close();
    await restarted.close();
    await expect(SmtpDialogue.open(restarted.port, 2_000)).rejects.toThrow();
  });
});
