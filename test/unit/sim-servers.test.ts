/**
 * The lab's simulated servers, each checked with a raw socket so the checks do not depend on
 * the engine they exist to test.
 */
import { connect as connectTcp, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { connect as connectTls } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSim, type SimBehaviour, type SimOptions, startSim } from "../lab/sim/index.ts";
import { type RunningSink, startSink } from "../lab/sink.ts";

const CANARY = "canary.relaywatch.test";
const REPLY_TIMEOUT_MS = 5_000;

interface RawReply {
  code: number;
  lines: string[];
  text: string;
}

/** Just enough SMTP client to talk to a server line by line and see exactly what it says. */
class RawClient {
  private received = "";
  private closed = false;
  private wake: (() => void) | null = null;

  private constructor(private socket: Socket) {
    this.listen(socket);
  }

  static async connect(port: number, options: { implicitTls?: boolean } = {}): Promise<RawClient> {
    const socket = options.implicitTls
      ? connectTls({ host: "127.0.0.1", port, rejectUnauthorized: false })
      : connectTcp({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.implicitTls ? "secureConnect" : "connect", () => resolve());
      socket.once("error", reject);
    });
    return new RawClient(socket);
  }

  private listen(socket: Socket): void {
    socket.on("data", this.onData);
    socket.on("close", this.onClose);
    socket.on("error", () => {});
  }

  private readonly onData = (chunk: Buffer) => {
    this.received += chunk.toString("latin1");
    this.notify();
  };

  private readonly onClose = () => {
    this.closed = true;
    this.notify();
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Waits until `ready` holds for what has arrived, the server closes, or the time is up. */
  private async until(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (this.closed || left <= 0) return false;
      await Promise.race([
        new Promise<void>((resolve) => {
          this.wake = resolve;
        }),
        sleep(left),
      ]);
    }
    return true;
  }

  /** Reads one complete (possibly multi-line) reply. */
  async reply(timeoutMs = REPLY_TIMEOUT_MS): Promise<RawReply> {
    const end = () => /^\d{3}(?: [^\r\n]*)?\r\n/m.exec(this.received);
    if (!(await this.until(() => end() !== null, timeoutMs))) {
      throw new Error(
        `no reply (closed: ${this.closed}; received: ${JSON.stringify(this.received)})`,
      );
    }
    const match = end();
    if (!match) throw new Error("unreachable");
    const raw = this.received.slice(0, match.index + match[0].length);
    this.received = this.received.slice(raw.length);
    const lines = raw.split("\r\n").filter((line) => line !== "");
    const code = Number(lines.at(-1)?.slice(0, 3));
    return { code, lines, text: lines.map((line) => line.slice(4)).join("\n") };
  }

  /** Writes all lines in one go: several lines at once is pipelining. */
  send(...lines: string[]): void {
    this.socket.write(lines.map((line) => `${line}\r\n`).join(""));
  }

  async command(line: string): Promise<RawReply> {
    this.send(line);
    return this.reply();
  }

  /** Sends a whole message after DATA and returns the reply to the final dot. */
  async message(...bodyLines: string[]): Promise<RawReply> {
    expect((await this.command("DATA")).code).toBe(354);
    this.send(...bodyLines, ".");
    return this.reply();
  }

  receivedSoFar(): string {
    return this.received;
  }

  async waitForText(text: string, timeoutMs = REPLY_TIMEOUT_MS): Promise<boolean> {
    return this.until(() => this.received.includes(text), timeoutMs);
  }

  async closedWithin(timeoutMs: number): Promise<boolean> {
    await this.until(() => this.closed, timeoutMs);
    return this.closed;
  }

  async upgradeToTls(): Promise<void> {
    this.socket.off("data", this.onData).off("close", this.onClose);
    const secure = connectTls({
      socket: this.socket,
      rejectUnauthorized: false,
      servername: "mail.lab.test",
    });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => resolve());
      secure.once("error", reject);
    });
    this.socket = secure;
    this.listen(secure);
  }

  close(): void {
    this.socket.destroy();
  }
}

let sink: RunningSink;

beforeAll(async () => {
  sink = await startSink();
});

afterAll(async () => {
  await sink.close();
});

/** Runs `check` against a fresh server that relays to the sink, and closes everything after. */
async function withSim(
  behaviour: SimBehaviour,
  check: (sim: RunningSim, connect: (implicitTls?: boolean) => Promise<RawClient>) => Promise<void>,
  options: SimOptions = {},
): Promise<void> {
  const sim = await startSim(behaviour, {
    relayTo: { host: sink.host, port: sink.port },
    ...options,
  });
  const clients: RawClient[] = [];
  const connect = async (implicitTls = false) => {
    const client = await RawClient.connect(sim.port, { implicitTls });
    clients.push(client);
    return client;
  };
  try {
    await check(sim, connect);
  } finally {
    for (const client of clients) client.close();
    await sim.close();
  }
}

let tokenCounter = 0;
function canaryAddress(): { token: string; address: string } {
  const token = `tok${Date.now().toString(36)}${tokenCounter++}`;
  return { token, address: `${token}@${CANARY}` };
}

async function greeted(connect: () => Promise<RawClient>, helo = "EHLO probe.example") {
  const client = await connect();
  expect((await client.reply()).code).toBe(220);
  expect((await client.command(helo)).code).toBe(250);
  return client;
}

describe("asip62", () => {
  it("refuses relaying for a foreign sender but relays for a bare one, really delivering", async () => {
    await withSim("asip62", async (sim, connect) => {
      const client = await connect();
      const banner = await client.reply();
      expect(banner.lines).toEqual([
        "220 mail.asip6x.example AppleShare IP Mail Server 6.2.1 SMTP Server Ready",
      ]);
      expect((await client.command("EHLO probe.example")).code).toBe(500);
      expect((await client.command("HELO probe.example")).code).toBe(250);

      const refused = canaryAddress();
      expect((await client.command("MAIL FROM:<spamtest@abuse.net>")).lines).toEqual([
        "250 <spamtest@abuse.net>... Sender OK",
      ]);
      expect((await client.command(`RCPT TO:<${refused.address}>`)).lines).toEqual([
        `553 <${refused.address}> - Recipient Rejected! From domain "abuse.net" has delivery restrictions in place.  No SMTP mail relay is allowed.`,
      ]);

      expect((await client.command("RSET")).code).toBe(250);
      expect((await client.command("MAIL FROM:<spamtest@asip6x.example>")).code).toBe(250);
      expect((await client.command(`RCPT TO:<${refused.address}>`)).code).toBe(553);

      const relayed = canaryAddress();
      expect((await client.command("RSET")).code).toBe(250);
      expect((await client.command("MAIL FROM:<spamtest>")).lines).toEqual([
        "250 <spamtest@www.asip6x.example>... Sender OK",
      ]);
      expect((await client.command(`RCPT TO:<${relayed.address}>`)).lines).toEqual([
        `250 <${relayed.address}>... Recipient OK`,
      ]);
      const accepted = await client.message(`Subject: ${relayed.token}`, "", "..dot-stuffed line");
      expect(accepted.code).toBe(250);
      expect((await client.command("QUIT")).code).toBe(221);

      const delivered = await sink.waitFor((m) => m.rcptTo.includes(relayed.address), 5_000);
      expect(delivered.mailFrom).toBe("spamtest@www.asip6x.example");
      expect(delivered.data).toContain("Relaywatch lab: asip62");
      expect(delivered.data).toContain("\r\n.dot-stuffed line\r\n");
      await expect.poll(() => sim.relayed).toBe(1);
      expect(sink.messages.some((m) => m.rcptTo.includes(refused.address))).toBe(false);
    });
  });

  it("relays for a sender claiming to be a real local user", async () => {
    await withSim("asip62", async (_sim, connect) => {
      const client = await greeted(connect, "HELO probe.example");
      const target = canaryAddress();
      expect((await client.command("MAIL FROM:<postmaster@mail.asip6x.example>")).code).toBe(250);
      expect((await client.command(`RCPT TO:<${target.address}>`)).code).toBe(250);
      expect((await client.command("RCPT TO:<nobody@asip6x.example>")).code).toBe(550);
      expect((await client.command("RCPT TO:<admin@asip6x.example>")).code).toBe(250);
    });
  });
});

describe("catch-all-own-domain", () => {
  it("accepts routing tricks at its own names into a local mailbox and refuses foreign", async () => {
    await withSim("catch-all-own-domain", async (sim, connect) => {
      const client = await greeted(connect);
      const { token, address } = canaryAddress();
      expect((await client.command(`MAIL FROM:<spamtest@${CANARY}>`)).code).toBe(250);
      expect(
        (await client.command(`RCPT TO:<${token}%${CANARY}@mail.catchall.example>`)).code,
      ).toBe(250);
      expect((await client.command(`RCPT TO:<"${address}">`)).code).toBe(250);
      expect((await client.command(`RCPT TO:<${CANARY}!${token}>`)).code).toBe(250);
      const foreign = await client.command(`RCPT TO:<${address}>`);
      expect(foreign.lines).toEqual([`554 5.7.1 <${address}>: Relay access denied`]);
      expect((await client.message("Subject: catch-all", "")).code).toBe(250);
      await sleep(200);
      expect(sim.relayed).toBe(0);
    });
  });
});

describe("routing-trick relays", () => {
  const cases: { behaviour: SimBehaviour; recipient: (token: string) => string }[] = [
    { behaviour: "percent-hack", recipient: (t) => `${t}%${CANARY}@[127.0.0.1]` },
    { behaviour: "bang-path", recipient: (t) => `${CANARY}!${t}@mail.bangpath.example` },
    { behaviour: "source-route", recipient: (t) => `@mail.sourceroute.example:${t}@${CANARY}` },
    { behaviour: "quoted-local-part", recipient: (t) => `"${t}@${CANARY}"@mail.quoted.example` },
  ];
  it.each(cases)(
    "$behaviour refuses a plain foreign recipient but relays its trick",
    async ({ behaviour, recipient }) => {
      await withSim(behaviour, async (sim, connect) => {
        const client = await greeted(connect);
        const { token, address } = canaryAddress();
        expect((await client.command(`MAIL FROM:<spamtest@${CANARY}>`)).code).toBe(250);
        expect((await client.command(`RCPT TO:<${address}>`)).code).toBe(554);
        expect((await client.command(`RCPT TO:<${recipient(token)}>`)).code).toBe(250);
        expect((await client.message(`Subject: ${token}`, "")).code).toBe(250);
        const delivered = await sink.waitFor((m) => m.rcptTo.includes(address), 5_000);
        expect(delivered.data).toContain(`Relaywatch lab: ${behaviour}`);
        await expect.poll(() => sim.relayed).toBe(1);
      });
    },
  );
});

describe("open relays", () => {
  it("open-relay delivers a plainly foreign recipient", async () => {
    await withSim("open-relay", async (sim, connect) => {
      const client = await greeted(connect);
      expect((await client.command("EHLO probe.example")).text).toContain("PIPELINING");
      const { address } = canaryAddress();
      client.send("MAIL FROM:<spamtest@canary>", `RCPT TO:<${address}>`, "DATA");
      expect((await client.reply()).code).toBe(250);
      expect((await client.reply()).code).toBe(250);
      expect((await client.reply()).code).toBe(354);
      client.send("Subject: open", "", "body", ".");
      expect((await client.reply()).code).toBe(250);
      await sink.waitFor((m) => m.rcptTo.includes(address), 5_000);
      await expect.poll(() => sim.relayed).toBe(1);
    });
  });

  it("accept-then-bounce says yes to everything and delivers nothing", async () => {
    await withSim("accept-then-bounce", async (sim, connect) => {
      const client = await greeted(connect);
      const { address } = canaryAddress();
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
      expect((await client.command(`RCPT TO:<${address}>`)).code).toBe(250);
      expect((await client.message("Subject: void", "")).code).toBe(250);
      await sleep(200);
      expect(sim.relayed).toBe(0);
      expect(sink.messages.some((m) => m.rcptTo.includes(address))).toBe(false);
    });
  });

  it("implicit-tls speaks SMTP inside TLS from the first byte", async () => {
    await withSim("implicit-tls", async (_sim, connect) => {
      const client = await connect(true);
      expect((await client.reply()).code).toBe(220);
      expect((await client.command("EHLO probe.example")).text).not.toContain("STARTTLS");
      const { address } = canaryAddress();
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
      expect((await client.command(`RCPT TO:<${address}>`)).code).toBe(250);
      expect((await client.message("Subject: tls", "")).code).toBe(250);
      const delivered = await sink.waitFor((m) => m.rcptTo.includes(address), 5_000);
      expect(delivered.data).toContain("with ESMTPS");
    });
  });
});

describe("starttls-required", () => {
  it("answers 530 before STARTTLS and relays after it", async () => {
    await withSim("starttls-required", async (_sim, connect) => {
      const client = await connect();
      expect((await client.reply()).code).toBe(220);
      expect((await client.command("EHLO probe.example")).text).toContain("STARTTLS");
      expect((await client.command("MAIL FROM:<spamtest@canary>")).lines).toEqual([
        "530 5.7.0 Must issue a STARTTLS command first",
      ]);
      expect((await client.command("STARTTLS")).code).toBe(220);
      await client.upgradeToTls();
      const ehlo = await client.command("EHLO probe.example");
      expect(ehlo.code).toBe(250);
      expect(ehlo.text).not.toContain("STARTTLS");
      const { address } = canaryAddress();
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
      expect((await client.command(`RCPT TO:<${address}>`)).code).toBe(250);
      expect((await client.message("Subject: after tls", "")).code).toBe(250);
      await sink.waitFor((m) => m.rcptTo.includes(address), 5_000);
    });
  });
});

describe("greylist", () => {
  it("defers the first attempt and gives the real answer to a retry after the delay", async () => {
    await withSim(
      "greylist",
      async (_sim, connect) => {
        const client = await greeted(connect);
        const { address } = canaryAddress();
        expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
        const first = await client.command(`RCPT TO:<${address}>`);
        expect(first.code).toBe(450);
        expect(first.text).toContain("Greylisted");
        expect((await client.command(`RCPT TO:<${address}>`)).code).toBe(450);
        await sleep(1_100);
        const retry = await client.command(`RCPT TO:<${address}>`);
        expect(retry.lines).toEqual([`554 5.7.1 <${address}>: Relay access denied`]);
      },
      { greylistDelaySec: 1 },
    );
  });
});

describe("error-limit", () => {
  it("hangs up with 421 after five error replies", async () => {
    await withSim("error-limit", async (_sim, connect) => {
      const client = await greeted(connect);
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
      for (let attempt = 0; attempt < 5; attempt++) {
        expect((await client.command(`RCPT TO:<${canaryAddress().address}>`)).code).toBe(554);
      }
      const punishment = await client.reply();
      expect(punishment.lines).toEqual(["421 4.7.0 mail.strict.example Error: too many errors"]);
      expect(await client.closedWithin(1_000)).toBe(true);
    });
  });

  it("hangs up after ten non-mail commands", async () => {
    await withSim("error-limit", async (_sim, connect) => {
      const client = await greeted(connect);
      for (let count = 2; count <= 10; count++)
        expect((await client.command("RSET")).code).toBe(250);
      expect((await client.command("NOOP")).lines).toEqual(["421 4.7.0 too many nonmail commands"]);
      expect(await client.closedWithin(1_000)).toBe(true);
    });
  });
});

describe("pregreet", () => {
  it("drops a client that talks before the end of the banner", async () => {
    await withSim("pregreet", async (_sim, connect) => {
      const client = await connect();
      expect(await client.waitForText("220-mail.pregreet.example ESMTP\r\n")).toBe(true);
      client.send("EHLO early.example");
      const verdict = await client.reply();
      expect(verdict.lines).toEqual([
        "220-mail.pregreet.example ESMTP",
        "521 5.5.1 Protocol error",
      ]);
      expect(await client.closedWithin(1_000)).toBe(true);
    });
  });

  it("serves a client that waits for the whole banner", async () => {
    await withSim("pregreet", async (_sim, connect) => {
      const started = Date.now();
      const client = await connect();
      const banner = await client.reply();
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(banner.lines).toHaveLength(2);
      expect((await client.command("EHLO patient.example")).code).toBe(250);
    });
  });
});

describe("pipelining", () => {
  it("secure-no-pipelining answers 503 to a command sent before the previous reply", async () => {
    await withSim("secure-no-pipelining", async (_sim, connect) => {
      const client = await connect();
      expect((await client.reply()).code).toBe(220);
      expect((await client.command("EHLO probe.example")).text).not.toContain("PIPELINING");
      client.send("MAIL FROM:<spamtest@canary>", "RCPT TO:<postmaster@mail.nopipelining.example>");
      expect((await client.reply()).code).toBe(250);
      expect((await client.reply()).lines).toEqual([
        "503 5.5.0 <postmaster@mail.nopipelining.example>: Improper use of SMTP command pipelining",
      ]);
      // Waiting for each reply is fine.
      expect((await client.command("RCPT TO:<postmaster@mail.nopipelining.example>")).code).toBe(
        250,
      );
      expect((await client.command("RCPT TO:<nobody@mail.nopipelining.example>")).code).toBe(550);
      expect((await client.command(`RCPT TO:<${canaryAddress().address}>`)).code).toBe(554);
    });
  });

  it("secure-pipelining answers a pipelined batch in order, each reply after the delay", async () => {
    await withSim(
      "secure-pipelining",
      async (_sim, connect) => {
        const client = await greeted(connect);
        const { address } = canaryAddress();
        const started = Date.now();
        client.send("RSET", "MAIL FROM:<spamtest@canary>", `RCPT TO:<${address}>`);
        const replies = [await client.reply(), await client.reply(), await client.reply()];
        expect(Date.now() - started).toBeGreaterThanOrEqual(140);
        expect(replies.map((r) => r.code)).toEqual([250, 250, 554]);
      },
      { replyDelayMs: 50 },
    );
  });
});

describe("banners", () => {
  it("banner-421 refuses service and closes", async () => {
    await withSim("banner-421", async (_sim, connect) => {
      const client = await connect();
      expect((await client.reply()).lines).toEqual([
        "421 4.3.2 mail.busy.example Service not available, closing transmission channel",
      ]);
      expect(await client.closedWithin(1_000)).toBe(true);
    });
  });

  it("banner-554 answers every command with 503 or 554 until QUIT", async () => {
    await withSim("banner-554", async (_sim, connect) => {
      const client = await connect();
      expect((await client.reply()).code).toBe(554);
      expect((await client.command("EHLO probe.example")).code).toBe(503);
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(554);
      expect((await client.command("QUIT")).code).toBe(221);
      expect(await client.closedWithin(1_000)).toBe(true);
    });
  });

  it("stall accepts the connection and says nothing", async () => {
    await withSim("stall", async (_sim, connect) => {
      const client = await connect();
      await sleep(300);
      expect(client.receivedSoFar()).toBe("");
      expect(await client.closedWithin(0)).toBe(false);
    });
  });

  it("multiline-banner writes its three lines slowly", async () => {
    await withSim("multiline-banner", async (_sim, connect) => {
      const started = Date.now();
      const client = await connect();
      const banner = await client.reply();
      expect(Date.now() - started).toBeGreaterThanOrEqual(180);
      expect(banner.lines.map((line) => line.slice(0, 4))).toEqual(["220-", "220-", "220 "]);
      expect((await client.command("EHLO probe.example")).code).toBe(250);
    });
  });

  it("tarpit delays every reply", async () => {
    await withSim(
      "tarpit",
      async (_sim, connect) => {
        const started = Date.now();
        await greeted(connect);
        // The banner and the EHLO reply each waited out the tarpit.
        expect(Date.now() - started).toBeGreaterThanOrEqual(380);
      },
      { tarpitDelayMs: 200 },
    );
  });
});

describe("servers the DATA step and the adaptive plan are built for", () => {
  it("refuse-at-data takes every recipient and refuses the message at its end", async () => {
    await withSim("refuse-at-data", async (sim, connect) => {
      const client = await greeted(connect);
      const { address } = canaryAddress();
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
      expect((await client.command(`RCPT TO:<${address}>`)).code).toBe(250);
      const verdict = await client.message("Subject: test", "", "hello");
      expect(verdict.lines).toEqual(["554 5.7.1 Message refused: relaying is not permitted"]);
      expect(sim.relayed).toBe(0);
    });
  });

  it("long-lines sends kilobytes of HTML on one banner, EHLO and refusal line", async () => {
    await withSim("long-lines", async (_sim, connect) => {
      const client = await connect();
      const banner = await client.reply();
      expect(banner.lines[0]?.length).toBeGreaterThan(6_000);
      expect(banner.lines[0]).toContain("<html>");
      expect((await client.command("EHLO probe.example")).lines[0]?.length).toBeGreaterThan(4_500);
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
      const refusal = await client.command(`RCPT TO:<${canaryAddress().address}>`);
      expect(refusal.code).toBe(554);
      expect(refusal.lines[0]?.length).toBeGreaterThan(5_000);
    });
  });

  it("sendmail-throttle pauses before its greeting and drops a client that talks first", async () => {
    await withSim("sendmail-throttle", async (_sim, connect) => {
      const early = await connect();
      early.send("EHLO early.example");
      expect((await early.reply()).lines).toEqual([
        "554 mail.sendmail.example ESMTP not accepting messages",
      ]);
      const patient = await connect();
      await sleep(500);
      expect(patient.receivedSoFar()).toBe("");
      expect((await patient.reply()).code).toBe(220);
    });
  });

  it("sendmail-throttle sleeps before each refused RCPT after the third in a transaction", async () => {
    await withSim("sendmail-throttle", async (_sim, connect) => {
      const client = await greeted(connect);
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
      for (let count = 1; count <= 3; count++) {
        expect((await client.command(`RCPT TO:<${canaryAddress().address}>`)).code).toBe(554);
      }
      const started = Date.now();
      expect((await client.command(`RCPT TO:<${canaryAddress().address}>`)).code).toBe(554);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // A new transaction starts counting again.
      expect((await client.command("RSET")).code).toBe(250);
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
      const again = Date.now();
      expect((await client.command(`RCPT TO:<${canaryAddress().address}>`)).code).toBe(554);
      expect(Date.now() - again).toBeLessThan(900);
    });
  });

  it("byte-tarpit trickles its banner out one byte at a time", async () => {
    await withSim("byte-tarpit", async (_sim, connect) => {
      const client = await connect();
      await sleep(500);
      const sofar = client.receivedSoFar();
      expect(sofar.length).toBeGreaterThan(0);
      expect(sofar.length).toBeLessThanOrEqual(4);
      expect("220 mail.bytetarpit.example ESMTP Postfix".startsWith(sofar)).toBe(true);
    });
  });

  it("error-sleep sleeps before every error reply after the third of a session", async () => {
    await withSim("error-sleep", async (_sim, connect) => {
      const client = await greeted(connect);
      for (let count = 1; count <= 3; count++) {
        expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
        expect((await client.command(`RCPT TO:<${canaryAddress().address}>`)).code).toBe(554);
        expect((await client.command("RSET")).code).toBe(250);
      }
      expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
      const started = Date.now();
      expect((await client.command(`RCPT TO:<${canaryAddress().address}>`)).code).toBe(554);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });
  });

  it("slow-refusals refuses the eu-west vantage 1.2 s late and everyone else at once", async () => {
    await withSim("slow-refusals", async (_sim, connect) => {
      const refusalTime = async (helo: string) => {
        const client = await greeted(connect, helo);
        expect((await client.command("MAIL FROM:<spamtest@canary>")).code).toBe(250);
        const started = Date.now();
        expect((await client.command(`RCPT TO:<${canaryAddress().address}>`)).code).toBe(554);
        return Date.now() - started;
      };
      expect(await refusalTime("EHLO probe-eu-west.canary.example")).toBeGreaterThanOrEqual(1_100);
      expect(await refusalTime("EHLO probe-us-east.canary.example")).toBeLessThan(1_000);
    });
  });
});

describe("shared machinery", () => {
  it("ends the session on a command line longer than 2 KiB", async () => {
    await withSim("secure-pipelining", async (_sim, connect) => {
      const client = await connect();
      expect((await client.reply()).code).toBe(220);
      expect((await client.command(`NOOP ${"x".repeat(3000)}`)).code).toBe(500);
      expect(await client.closedWithin(1_000)).toBe(true);
    });
  });

  it("answers unknown commands 502 and QUIT 221", async () => {
    await withSim("secure-pipelining", async (_sim, connect) => {
      const client = await greeted(connect);
      expect((await client.command("BDAT 10 LAST")).lines).toEqual([
        "502 5.5.2 Error: command not recognized",
      ]);
      expect((await client.command("QUIT")).lines).toEqual(["221 2.0.0 Bye"]);
      expect(await client.closedWithin(1_000)).toBe(true);
    });
  });

  it("the sink refuses recipients outside the canary domain", async () => {
    const client = await RawClient.connect(sink.port);
    try {
      expect((await client.reply()).code).toBe(220);
      expect((await client.command("EHLO probe.example")).code).toBe(250);
      expect((await client.command("MAIL FROM:<>")).code).toBe(250);
      expect((await client.command("RCPT TO:<someone@elsewhere.example>")).code).toBe(550);
      expect((await client.command(`RCPT TO:<x@sub.${CANARY}>`)).code).toBe(250);
    } finally {
      client.close();
    }
  });
});
