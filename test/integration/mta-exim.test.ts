/**
 * Real Exim instances on loopback: the secure one must refuse to relay the way Exim's default
 * configuration does, the open one must relay to (our) sink, and the instances must start and
 * stop cleanly. Skips only on a developer machine without the unpacked Exim; under CI a
 * missing Exim fails.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eximAvailable, type MtaInstance, startExim } from "../../lab/mta/exim.ts";
import { LAB_HOST } from "../../lab/mta/instance.ts";
import { type Reply, SmtpDialogue } from "../../lab/mta/smtp-dialogue.ts";
import { type RunningSink, startSink } from "../../lab/sink.ts";

const CANARY_RECIPIENT = "x@canary.relaywatch.test";
const PROBE_SENDER = "probe@relaywatch.test";
/** Under lab-run/test-mta so tests never take over the lab launcher's own instances. */
const WORK_ROOT = fileURLToPath(new URL("../../lab-run/test-mta/", import.meta.url));

const skipReason =
  !eximAvailable() && !process.env.CI
    ? "Exim is not unpacked (lab-run/exim-dist) or user Debian-exim is missing: run scripts/install-system-deps.sh"
    : null;
if (skipReason) console.warn(`mta-exim tests skipped: ${skipReason}`);

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
  let sink: RunningSink;
  let secure: MtaInstance;
  let open: MtaInstance;

  beforeAll(async () => {
    sink = await startSink();
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
