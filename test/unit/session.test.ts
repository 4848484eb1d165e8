import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nodejsConnector } from "../../shared/smtp/nodejs-stream.ts";
import { type SessionOptions, SmtpSession } from "../../shared/smtp/session.ts";
import { TRUNCATION_NOTE, Transcript } from "../../shared/smtp/transcript.ts";
import { DEFAULT_LIMITS, type SessionLimits, SmtpError } from "../../shared/smtp/types.ts";

/** The server end of one test connection: records every byte, reads lines, can start TLS. */
class Peer {
  received = "";
  #buffer = "";
  #closed = false;
  #wake: Array<() => void> = [];
  #socket: net.Socket;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  send(text: string): void {
    this.#socket.write(text);
  }

  end(): void {
    this.#socket.end();
  }

  async line(): Promise<string> {
    const text = await this.until("\r\n");
    return text.slice(0, -2);
  }

  /** Everything up to and including `marker`. */
  async until(marker: string): Promise<string> {
    for (;;) {
      const at = this.#buffer.indexOf(marker);
      if (at >= 0) {
        const text = this.#buffer.slice(0, at + marker.length);
        this.#buffer = this.#buffer.slice(at + marker.length);
        return text;
      }
      if (this.#closed) throw new Error("client closed the connection");
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  async startTls(key: string, cert: string): Promise<void> {
    this.#socket.removeAllListeners("data");
    const secure = new tls.TLSSocket(this.#socket, { isServer: true, key, cert });
    this.#attach(secure);
    await once(secure, "secure");
  }

  #attach(socket: net.Socket): void {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.received += chunk.toString("latin1");
      this.#buffer += chunk.toString("latin1");
      this.#notify();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#notify();
    });
    socket.on("error", () => undefined);
  }

  #notify(): void {
    for (const wake of this.#wake.splice(0)) wake();
  }
}

interface LabServer {
  port: number;
  /** Settles when the script for the first connection finishes. */
  script: Promise<void>;
  peer: Promise<Peer>;
}

const servers: net.Server[] = [];
const sessions: SmtpSession[] = [];

async function startServer(
  script: (peer: Peer) => Promise<void>,
  tlsOptions?: { key: string; cert: string },
): Promise<LabServer> {
  let resolvePeer: (peer: Peer) => void = () => undefined;
  const peer = new Promise<Peer>((resolve) => {
    resolvePeer = resolve;
  });
  const onConnection = (socket: net.Socket) => resolvePeer(new Peer(socket));
  const server = tlsOptions
    ? tls.createServer(tlsOptions, onConnection)
    : net.createServer(onConnection);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  const finished = peer.then(script);
  // Scripts of tests that never await them may fail once the client hangs up; that is fine.
  finished.catch(() => undefined);
  return { port, peer, script: finished };
}

function limits(overrides: Partial<SessionLimits> = {}): SessionLimits {
  return {
    ...DEFAULT_LIMITS,
    connectTimeoutMs: 2_000,
    bannerTimeoutMs: 2_000,
    commandTimeoutMs: 2_000,
    dataTimeoutMs: 2_000,
    deadline: Date.now() + 8_000,
    ...overrides,
  };
}

async function connect(
  port: number,
  options: Partial<SessionOptions> = {},
  implicitTls = false,
): Promise<SmtpSession> {
  const session = await SmtpSession.open(
    nodejsConnector,
    { address: "127.0.0.1", port, implicitTls, servername: "lab.test" },
    {
      limits: limits(),
      transcript: new Transcript(),
      conn: 1,
      heloName: "client.test",
      ...options,
    },
  );
  sessions.push(session);
  return session;
}

async function rejectionOf(promise: Promise<unknown>): Promise<SmtpError> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SmtpError);
  return error as SmtpError;
}

const EHLO_REPLY = [
  "250-mx.lab.test greets client.test",
  "250-PIPELINING",
  "250-SIZE 10240000",
  "250-8BITMIME",
  "250-SMTPUTF8",
  "250-ENHANCEDSTATUSCODES",
  "250-AUTH PLAIN LOGIN",
  "250 STARTTLS",
  "",
].join("\r\n");

/** Greets, answers EHLO, then hands over to `rest`. */
function greeting(rest: (peer: Peer) => Promise<void> = async () => undefined) {
  return async (peer: Peer) => {
    peer.send("220 mx.lab.test ESMTP\r\n");
    await peer.line();
    peer.send(EHLO_REPLY);
    await rest(peer);
  };
}

afterEach(async () => {
  for (const session of sessions.splice(0)) await session.close();
  for (const server of servers.splice(0)) server.close();
});

describe("opening a session", () => {
  it("reads a banner split across delayed writes before saying anything", async () => {
    let bytesBeforeLastBannerByte = -1;
    const lab = await startServer(async (peer) => {
      peer.send("220-mx.lab.test ESMTP\r\n");
      await delay(150);
      peer.send("220-no early talkers\r");
      await delay(150);
      peer.send("\n220 mx.lab.test re");
      await delay(150);
      bytesBeforeLastBannerByte = peer.received.length;
      peer.send("ady\r\n");
      await peer.line();
      peer.send("250 mx.lab.test\r\n");
    });
    const session = await connect(lab.port);
    expect(session.banner).toEqual({
      code: 220,
      enhanced: null,
      lines: ["mx.lab.test ESMTP", "no early talkers", "mx.lab.test ready"],
      text: "mx.lab.test ESMTP no early talkers mx.lab.test ready",
      receivedAt: expect.any(Number),
    });
    expect((await session.ehlo()).code).toBe(250);
    await lab.script;
    expect(bytesBeforeLastBannerByte).toBe(0);
  });

  it("returns a 554 banner instead of throwing", async () => {
    const lab = await startServer(async (peer) => {
      peer.send("554 5.7.1 no service for you\r\n");
      peer.end();
    });
    const session = await connect(lab.port);
    expect(session.banner).toMatchObject({ code: 554, enhanced: "5.7.1" });
  });

  it("times out a server that never sends its banner, within the banner timeout", async () => {
    const lab = await startServer(async () => undefined);
    const started = Date.now();
    const error = await rejectionOf(
      connect(lab.port, { limits: limits({ bannerTimeoutMs: 300 }) }),
    );
    expect(error.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("fails with a connect error when nothing listens", async () => {
    const lab = await startServer(async () => undefined);
    const port = lab.port;
    for (const server of servers.splice(0)) server.close();
    const transcript = new Transcript();
    const error = await rejectionOf(connect(port, { transcript }));
    expect(error.kind).toBe("connect");
    expect(transcript.entries.at(-1)?.line).toMatch(/^connect failed: .*ECONNREFUSED/);
  });

  it("refuses to start once the deadline has passed", async () => {
    const lab = await startServer(greeting());
    const error = await rejectionOf(
      connect(lab.port, { limits: limits({ deadline: Date.now() - 1 }) }),
    );
    expect(error.kind).toBe("timeout");
  });
});

describe("EHLO", () => {
  it("parses the extensions", async () => {
    const lab = await startServer(greeting());
    const session = await connect(lab.port);
    const reply = await session.ehlo();
    expect(reply.code).toBe(250);
    expect(session.greeting).toBe(reply);
    expect(session.supports("pipelining")).toBe(true);
    expect(session.supports("DSN")).toBe(false);
    expect(session.extensions.get("SIZE")).toBe("10240000");
    expect(session.capabilities).toEqual({
      pipelining: true,
      startTls: true,
      size: true,
      sizeLimit: 10240000,
      eightBitMime: true,
      smtpUtf8: true,
      enhancedStatusCodes: true,
      authMechanisms: ["PLAIN", "LOGIN"],
    });
  });

  it("falls back to HELO when EHLO gets a 5xx", async () => {
    const commands: string[] = [];
    const lab = await startServer(async (peer) => {
      peer.send("220 old.lab.test SMTP\r\n");
      commands.push(await peer.line());
      peer.send("502 5.5.2 command not recognized\r\n");
      commands.push(await peer.line());
      peer.send("250 old.lab.test\r\n");
    });
    const transcript = new Transcript();
    const session = await connect(lab.port, { transcript });
    const reply = await session.ehlo();
    expect(reply).toMatchObject({ code: 250, text: "old.lab.test" });
    expect(commands).toEqual(["EHLO client.test", "HELO client.test"]);
    expect(session.extensions.size).toBe(0);
    expect(session.greeting).toBe(reply);
    expect(transcript.entries.map((entry) => entry.line)).toContain(
      "EHLO refused with 502, falling back to HELO",
    );
  });

  it("does not fall back on a 4xx", async () => {
    const lab = await startServer(async (peer) => {
      peer.send("220 busy.lab.test\r\n");
      await peer.line();
      peer.send("451 4.3.0 try later\r\n");
    });
    const session = await connect(lab.port);
    expect((await session.ehlo()).code).toBe(451);
    await lab.script;
    expect((await lab.peer).received).toBe("EHLO client.test\r\n");
  });
});

describe("commands and replies", () => {
  it("logs every line with its connection and direction", async () => {
    const lab = await startServer(greeting());
    const transcript = new Transcript();
    const session = await connect(lab.port, { transcript, conn: 3 });
    await session.ehlo();
    const dialogue = transcript.entries
      .filter((entry) => entry.dir !== "note")
      .map((entry) => `${entry.conn} ${entry.dir} ${entry.line}`);
    expect(dialogue.slice(0, 4)).toEqual([
      "3 server 220 mx.lab.test ESMTP",
      "3 client EHLO client.test",
      "3 server 250-mx.lab.test greets client.test",
      "3 server 250-PIPELINING",
    ]);
    expect(transcript.entries[0]).toMatchObject({
      dir: "note",
      line: `connecting to 127.0.0.1:${lab.port}`,
    });
  });

  it("pipelines a batch in one go and pairs every reply in order", async () => {
    const lab = await startServer(
      greeting(async (peer) => {
        // Answering only after all three lines arrived deadlocks a client that waits in between.
        await peer.until("RCPT TO:<b@remote.test>\r\n");
        peer.send("250 2.1.0 sender ok\r\n250 2.1.5 recipient ok\r\n");
        await delay(50);
        peer.send("550 5.7.1 relaying denied\r\n");
      }),
    );
    const session = await connect(lab.port);
    await session.ehlo();
    const replies = await session.pipeline([
      "MAIL FROM:<probe@client.test>",
      "RCPT TO:<a@remote.test>",
      "RCPT TO:<b@remote.test>",
    ]);
    expect(replies.map((reply) => [reply.code, reply.enhanced, reply.text])).toEqual([
      [250, "2.1.0", "sender ok"],
      [250, "2.1.5", "recipient ok"],
      [550, "5.7.1", "relaying denied"],
    ]);
  });

  it("reports the replies that arrived when a pipelined batch is cut short", async () => {
    const lab = await startServer(
      greeting(async (peer) => {
        await peer.until("RCPT TO:<b@remote.test>\r\n");
        peer.send("250 2.1.0 ok\r\n421 4.7.0 too many errors\r\n");
        peer.end();
      }),
    );
    const session = await connect(lab.port);
    await session.ehlo();
    const error = await rejectionOf(
      session.pipeline([
        "MAIL FROM:<p@client.test>",
        "RCPT TO:<a@remote.test>",
        "RCPT TO:<b@remote.test>",
      ]),
    );
    expect(error.kind).toBe("disconnect");
    expect(error.partial.map((reply) => reply.code)).toEqual([250, 421]);
  });

  it("times out a stalled server by the session deadline, not the longer command timeout", async () => {
    const lab = await startServer(greeting());
    const transcript = new Transcript();
    const session = await connect(lab.port, {
      transcript,
      limits: limits({ commandTimeoutMs: 30_000, deadline: Date.now() + 600 }),
    });
    await session.ehlo();
    const started = Date.now();
    const error = await rejectionOf(session.command("MAIL FROM:<p@client.test>"));
    const elapsed = Date.now() - started;
    expect(error.kind).toBe("timeout");
    expect(error.message).toMatch(/session deadline/);
    expect(elapsed).toBeLessThan(1_500);
    expect(session.closed).toBe(true);
    expect(transcript.entries.map((entry) => entry.line)).toContain(error.message);
  });

  it("returns a 421 sent just before the server closes, then reports the disconnect", async () => {
    const lab = await startServer(async (peer) => {
      peer.send("220 mx.lab.test\r\n");
      await peer.line();
      peer.send("421 4.3.2 shutting down\r\n");
      peer.end();
    });
    const session = await connect(lab.port);
    expect(await session.ehlo()).toMatchObject({ code: 421, enhanced: "4.3.2" });
    const error = await rejectionOf(session.command("MAIL FROM:<p@client.test>"));
    expect(error.kind).toBe("disconnect");
    expect(session.closed).toBe(true);
  });

  it("answers the next command with a 421 the server sent unasked before hanging up", async () => {
    const lab = await startServer(
      greeting(async (peer) => {
        peer.send("421 4.4.2 idle timeout\r\n");
        peer.end();
      }),
    );
    const transcript = new Transcript();
    const session = await connect(lab.port, { transcript });
    await session.ehlo();
    await lab.script;
    await delay(100);
    const reply = await session.command("MAIL FROM:<p@client.test>");
    expect(reply).toMatchObject({ code: 421, text: "idle timeout" });
    const sent = transcript.entries.filter((entry) => entry.dir === "client");
    expect(sent.map((entry) => entry.line)).toEqual(["EHLO client.test"]);
    expect((await rejectionOf(session.command("RSET"))).kind).toBe("disconnect");
  });

  it("never pairs an unsolicited reply with the next command", async () => {
    const lab = await startServer(async (peer) => {
      peer.send("220 mx.lab.test\r\n");
      await peer.line();
      peer.send("250 mx.lab.test\r\n250 2.1.5 stale acceptance\r\n");
      await peer.line();
      peer.send("554 5.7.1 relay denied\r\n");
    });
    const transcript = new Transcript();
    const session = await connect(lab.port, { transcript });
    await session.ehlo();
    const reply = await session.command("RCPT TO:<victim@remote.test>");
    expect(reply).toMatchObject({ code: 554, text: "relay denied" });
    expect(transcript.entries.map((entry) => entry.line)).toContain(
      "ignored unsolicited 250 reply",
    );
  });

  it("ends the session on a garbage reply", async () => {
    const lab = await startServer(async (peer) => {
      peer.send("220 mx.lab.test\r\n");
      await peer.line();
      peer.send("HTTP/1.1 400 Bad Request\r\n");
    });
    const session = await connect(lab.port);
    const error = await rejectionOf(session.ehlo());
    expect(error.kind).toBe("protocol");
    expect(session.closed).toBe(true);
  });

  it("refuses a command line that would smuggle a second command", async () => {
    const lab = await startServer(greeting());
    const session = await connect(lab.port);
    await expect(session.command("NOOP\r\nRSET")).rejects.toThrow(RangeError);
  });
});

describe("DATA", () => {
  it("sends the body with CRLF endings and dot-stuffing, then the final dot", async () => {
    let wireBody = "";
    const lab = await startServer(
      greeting(async (peer) => {
        expect(await peer.line()).toBe("DATA");
        peer.send("354 go ahead\r\n");
        wireBody = await peer.until("\r\n.\r\n");
        peer.send("250 2.0.0 queued as ABC123\r\n");
      }),
    );
    const transcript = new Transcript();
    const session = await connect(lab.port, { transcript });
    await session.ehlo();
    const reply = await session.data("Subject: canary\n\n.hidden\n..double\nbare\rend\r\n.");
    expect(reply).toMatchObject({ code: 250, enhanced: "2.0.0" });
    const expectedBody = "Subject: canary\r\n\r\n..hidden\r\n...double\r\nbare\r\nend\r\n..\r\n";
    expect(wireBody).toBe(`${expectedBody}.\r\n`);
    const clientLines = transcript.entries.filter((entry) => entry.dir === "client");
    expect(clientLines.map((entry) => entry.line)).toEqual(["EHLO client.test", "DATA", "."]);
    expect(transcript.entries.map((entry) => entry.line)).toContain(
      `[message body: ${expectedBody.length} bytes]`,
    );
  });

  it("does not send the body when DATA is refused", async () => {
    const lab = await startServer(
      greeting(async (peer) => {
        await peer.line();
        peer.send("554 5.5.1 no valid recipients\r\n");
        await delay(100);
      }),
    );
    const session = await connect(lab.port);
    await session.ehlo();
    expect((await session.data("body\n")).code).toBe(554);
    await lab.script;
    expect((await lab.peer).received).toBe("EHLO client.test\r\nDATA\r\n");
  });
});

describe("QUIT", () => {
  it("says QUIT, reads 221 and closes", async () => {
    const lab = await startServer(
      greeting(async (peer) => {
        expect(await peer.line()).toBe("QUIT");
        peer.send("221 2.0.0 bye\r\n");
      }),
    );
    const transcript = new Transcript();
    const session = await connect(lab.port, { transcript });
    await session.ehlo();
    await session.quit();
    await lab.script;
    expect(session.closed).toBe(true);
    expect(transcript.entries.some((entry) => entry.line === "221 2.0.0 bye")).toBe(true);
  });

  it("never throws and stays within the deadline when QUIT gets no answer", async () => {
    const lab = await startServer(greeting());
    const session = await connect(lab.port, { limits: limits({ deadline: Date.now() + 500 }) });
    await session.ehlo();
    const started = Date.now();
    await expect(session.quit()).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(session.closed).toBe(true);
  });
});

describe("TLS", () => {
  let key = "";
  let cert = "";
  let certDir = "";

  beforeAll(() => {
    certDir = mkdtempSync(join(tmpdir(), "relaywatch-cert-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=lab.test", "-days", "2"],
        ...["-keyout", join(certDir, "key.pem"), "-out", join(certDir, "cert.pem")],
      ],
      { stdio: "ignore" },
    );
    key = readFileSync(join(certDir, "key.pem"), "utf8");
    cert = readFileSync(join(certDir, "cert.pem"), "utf8");
  });

  afterAll(() => rmSync(certDir, { recursive: true, force: true }));

  function startTlsServer(injectAfter220 = "") {
    const linesOverTls: string[] = [];
    const lab = startServer(
      greeting(async (peer) => {
        expect(await peer.line()).toBe("STARTTLS");
        peer.send(`220 2.0.0 ready to start TLS\r\n${injectAfter220}`);
        await peer.startTls(key, cert);
        linesOverTls.push(await peer.line());
        peer.send("250-mx.lab.test over TLS\r\n250 AUTH PLAIN\r\n");
      }),
    );
    return { lab, linesOverTls };
  }

  it("upgrades with STARTTLS, reports the certificate and says EHLO again", async () => {
    const { lab, linesOverTls } = startTlsServer();
    const transcript = new Transcript();
    const session = await connect((await lab).port, { transcript });
    await session.ehlo();
    expect(session.tls).toBeNull();
    const reply = await session.startTls();
    expect(reply).toMatchObject({ code: 220, enhanced: "2.0.0" });
    expect(linesOverTls).toEqual(["EHLO client.test"]);
    expect(session.tls).toMatchObject({
      protocol: expect.stringMatching(/^TLSv1\.[23]$/),
      peerSubject: "CN=lab.test",
      authorized: false,
      authorizationError: expect.stringMatching(/SELF_SIGNED/),
    });
    expect(session.supports("AUTH")).toBe(true);
    expect(session.supports("STARTTLS")).toBe(false);
    expect(session.greeting?.lines[0]).toBe("mx.lab.test over TLS");
    const tlsNote = transcript.entries.find((entry) => entry.line.startsWith("TLS established"));
    expect(tlsNote?.line).toMatch(
      /CN=lab\.test; issuer CN=lab\.test; valid .+ GMT to .+ GMT; certificate not verified/,
    );
  });

  it("discards plaintext injected after the 220 instead of reading it as TLS-protected", async () => {
    const { lab } = startTlsServer("250-injected\r\n250 AUTH ANONYMOUS\r\n");
    const transcript = new Transcript();
    const session = await connect((await lab).port, { transcript });
    await session.ehlo();
    await session.startTls();
    expect(session.capabilities.authMechanisms).toEqual(["PLAIN"]);
    expect(session.greeting?.lines[0]).toBe("mx.lab.test over TLS");
    expect(transcript.entries.map((entry) => entry.line)).toContain(
      "discarded 1 replies and 0 bytes sent in plaintext after 220 to STARTTLS",
    );
  });

  it("calls an upgrade that ends before any reply over TLS a TLS failure, not a hang-up", async () => {
    // What a Worker sees when the runtime refuses the certificate: startTls() resolved, then the
    // first read fails. The runner goes on in plain text only after a "tls" error.
    const lab = await startServer(
      greeting(async (peer) => {
        expect(await peer.line()).toBe("STARTTLS");
        peer.send("220 2.0.0 ready to start TLS\r\n");
        await peer.startTls(key, cert);
        peer.end();
      }),
    );
    const session = await connect(lab.port);
    await session.ehlo();
    const failure = await session.startTls().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SmtpError);
    expect(failure).toMatchObject({ kind: "tls" });
    expect((failure as Error).message).toContain("TLS handshake failed after STARTTLS");
  });

  it("speaks implicit TLS from the first byte", async () => {
    const lab = await startServer(greeting(), { key, cert });
    const session = await connect(lab.port, {}, true);
    expect(session.tls?.peerSubject).toBe("CN=lab.test");
    expect(session.banner.code).toBe(220);
    expect((await session.ehlo()).code).toBe(250);
  });
});

describe("Transcript", () => {
  it("stamps entries with the injected clock", () => {
    const transcript = new Transcript({ clock: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6) });
    transcript.add(2, "client", "EHLO client.test");
    expect(transcript.entries).toEqual([
      { at: "2026-01-02T03:04:05.006Z", conn: 2, dir: "client", line: "EHLO client.test" },
    ]);
  });

  it("stops at its bound with a single truncation note", () => {
    const transcript = new Transcript({ maxEntries: 3 });
    for (let index = 0; index < 10; index++) transcript.add(1, "server", `250 line ${index}`);
    expect(transcript.entries.map((entry) => entry.line)).toEqual([
      "250 line 0",
      "250 line 1",
      TRUNCATION_NOTE,
    ]);
    expect(transcript.truncated).toBe(true);
  });

  it("escapes control characters a hostile server could use on a terminal", () => {
    const transcript = new Transcript();
    transcript.add(1, "server", "220 \u001b[2Jhi\tthere\u009b");
    expect(transcript.entries[0]?.line).toBe("220 \\x1b[2Jhi\tthere\\x9b");
  });
});
