/**
 * Real Postfix instances on loopback: the secure one must refuse to relay the way a stock
 * Postfix does, the open one must relay to (our) sink, and the instances must start and stop
 * cleanly. Skips only on a developer machine without Postfix; under CI a missing Postfix fails.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAB_HOST } from "../../lab/mta/instance.ts";
import { type MtaInstance, postfixAvailable, startPostfix } from "../../lab/mta/postfix.ts";
import { type Reply, SmtpDialogue } from "../../lab/mta/smtp-dialogue.ts";
import { type RunningSink, startSink } from "../../lab/sink.ts";

const CANARY_RECIPIENT = "x@canary.relaywatch.test";
const PROBE_SENDER = "probe@relaywatch.test";
/** Under lab-run/test-mta so tests never take over the lab launcher's own instances. */
const WORK_ROOT = fileURLToPath(new URL("../../lab-run/test-mta/", import.meta.url));

const skipReason =
  !postfixAvailable() && !process.env.CI
    ? "Postfix is not installed (/usr/sbin/postfix): run scripts/install-system-deps.sh"
    : null;
if (skipReason) console.warn(`mta-postfix tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)("real Postfix on 127.0.0.1", () => {
  let sink: RunningSink;
  let secure: MtaInstance;
  let open: MtaInstance;

  beforeAll(async () => {
    sink = await startSink();
    const common = { port: 0, relayHost: LAB_HOST, relayPort: sink.port };
    [secure, open] = await Promise.all([
      startPostfix({
        ...common,
        name: "secure",
        mode: "secure",
        workDir: `${WORK_ROOT}postfix-secure`,
      }),
      startPostfix({ ...common, name: "open", mode: "open", workDir: `${WORK_ROOT}postfix-open` }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([secure?.close(), open?.close()]);
    await sink?.close();
  });

  it("gives each instance its own loopback port and host name", async () => {
    expect(secure.host).toBe("127.0.0.1");
    expect(secure.port).not.toBe(open.port);
    expect(secure.hostname).toBe("secure.postfix.lab.test");
    expect(open.hostname).toBe("open.postfix.lab.test");
    const dialogue = await SmtpDialogue.open(secure.port);
    expect(dialogue.greeting.code).toBe(220);
    expect(dialogue.greeting.text).toBe("secure.postfix.lab.test ESMTP");
    await dialogue.close();
  });

  it("secure: refuses to relay to a foreign domain but accepts local postmaster", async () => {
    const dialogue = await SmtpDialogue.open(secure.port);
    expect((await dialogue.command("EHLO probe.relaywatch.test")).code).toBe(250);
    expect((await dialogue.command(`MAIL FROM:<${PROBE_SENDER}>`)).code).toBe(250);

    const relay = await dialogue.command(`RCPT TO:<${CANARY_RECIPIENT}>`);
    expect([554, 454]).toContain(relay.code);
    expect(["5.7.1", "4.7.1"]).toContain(relay.enhanced);
    expect(relay.text).toContain("Relay access denied");

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
    const queued = await dialogue.readReply();
    expect(queued.code).toBe(250);
    await dialogue.close();

    const delivered = await sink.waitFor((message) => message.data.includes(token), 10_000);
    expect(delivered.rcptTo).toEqual([CANARY_RECIPIENT]);
    expect(delivered.mailFrom).toBe(PROBE_SENDER);
    expect(delivered.data).toContain("by open.postfix.lab.test");
  });

  it("secure: hangs up with 421 after the default hard limit of 20 errors", async () => {
    const dialogue = await SmtpDialogue.open(secure.port);
    expect((await dialogue.command("EHLO probe.relaywatch.test")).code).toBe(250);
    const errorCodes: number[] = [];
    let hangUp: Reply | null = null;
    // Beyond the soft limit (10) Postfix sleeps 1 s per error, so this takes about 10 s.
    for (let attempt = 0; attempt < 30 && hangUp === null; attempt++) {
      const reply = await dialogue.command("XRELAYWATCH", 15_000);
      if (reply.code === 421) hangUp = reply;
      else errorCodes.push(reply.code);
    }
    // Postfix answers 20 unknown commands with 500 5.5.2, and the 21st with the hang-up.
    expect(errorCodes).toEqual(Array(20).fill(500));
    expect(hangUp?.enhanced).toBe("4.7.0");
    expect(hangUp?.text).toContain("too many errors");
    await dialogue.closed;
  }, 60_000);

  it("restarts cleanly over a crashed run's leftovers and frees the port on close", async () => {
    const workDir = `${WORK_ROOT}postfix-restart`;
    const options = {
      name: "restart",
      mode: "secure",
      port: 0,
      relayHost: LAB_HOST,
      relayPort: sink.port,
      workDir,
    } as const;
    // Never closed: stands for an instance whose test process died.
    const abandoned = await startPostfix(options);
    const restarted = await startPostfix(options);
    await expect(SmtpDialogue.open(abandoned.port, 2_000)).rejects.toThrow();
    const dialogue = await SmtpDialogue.open(restarted.port);
    expect(dialogue.greeting.text).toBe("restart.postfix.lab.test ESMTP");
    await dialogue.close();
    await restarted.close();
    await expect(SmtpDialogue.open(restarted.port, 2_000)).rejects.toThrow();
  });
});
