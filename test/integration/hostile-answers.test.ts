/**
 * Issue 8, item 5: a server that answers with walls of control bytes, terminal escapes (OSC 52
 * writes the clipboard) and bidi overrides. Its replies must leave the engine small enough to
 * store and escaped the one way, whether they go to the CLI or through a probe node's answer.
 */
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatReport } from "../../cli/report.ts";
import { runProbe } from "../../shared/probe/runner.ts";
import type { ProbeResult } from "../../shared/schemas/probe-result.ts";
import { MAX_ANSWER_BYTES } from "../../shared/schemas/protocol.ts";
import { nodejsConnector } from "../../shared/smtp/nodejs-stream.ts";
import { escapeControlCharacters } from "../../shared/text/control-characters.ts";
import { fitAnswer } from "../../workers/probe/app.ts";

const OSC52 = "\x1b]52;c;ZXZpbA==\x07";
const RLO = "\u202e";
const EHLO_LINES = 240;
const CONTROL_LINE = "\x1b\x07\x00\x01".repeat(1_000);

let server: Server;
let port: number;
let bytesSent = 0;

function answer(socket: Socket, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  bytesSent += bytes.byteLength;
  socket.write(bytes);
}

beforeAll(async () => {
  server = createServer((socket) => {
    answer(socket, `220 hostile.example ${OSC52} ESMTP ${RLO}gnp.exe\r\n`);
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      for (let end = buffered.indexOf("\r\n"); end >= 0; end = buffered.indexOf("\r\n")) {
        const line = buffered.slice(0, end).toUpperCase();
        buffered = buffered.slice(end + 2);
        if (line.startsWith("EHLO")) {
          const lines = Array.from({ length: EHLO_LINES }, () => `250-${CONTROL_LINE}\r\n`);
          answer(socket, `${lines.join("")}250 OK\r\n`);
        } else if (line.startsWith("MAIL")) answer(socket, `250 \x00ok\x1b[2J\x9b\r\n`);
        else if (line.startsWith("RCPT")) answer(socket, `554 5.7.1 ${OSC52} denied ${RLO}\r\n`);
        else if (line.startsWith("QUIT")) {
          answer(socket, "221 bye\r\n");
          socket.end();
        } else answer(socket, "250 OK\r\n");
      }
    });
    socket.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
});

/** Every string in a value, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

describe("a server that answers with control bytes", () => {
  let result: ProbeResult;

  beforeAll(async () => {
    result = await runProbe(nodejsConnector, {
      target: { address: "127.0.0.1", port },
      canaryDomain: "canary.relaywatch.test",
      timeBudgetMs: 30_000,
    });
  }, 60_000);

  it("gets a bounded answer, far smaller than what it sent", () => {
    const answerBytes = Buffer.byteLength(
      fitAnswer(
        {
          nodeId: "n",
          region: "eu-west",
          network: "lab",
          runtime: "workerd",
          allowedPorts: [port],
          loopbackAllowed: true,
          ehloName: "probe-eu-west.relaywatch.dev",
          maxConcurrentJobs: 4,
        },
        { kind: "site", name: "lab" },
        result,
      ),
    );
    expect(bytesSent).toBeGreaterThan(3 * 1024 * 1024);
    expect(answerBytes).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    expect(answerBytes).toBeLessThan(bytesSent / 2);
    expect(result.verdict).toBe("closed");
  });

  it("escapes every control and bidi character in everything the result says", () => {
    const texts = strings(result);
    expect(texts.length).toBeGreaterThan(100);
    for (const text of texts) expect(escapeControlCharacters(text)).toBe(text);
    expect(result.banner?.text).toContain("\\x1b]52;c;ZXZpbA==\\x07");
    expect(result.banner?.text).toContain("\\u202e");
    const refused = result.cases.find((entry) => entry.outcome === "refused");
    expect(refused?.reply?.text).toContain("\\x1b]52");
  });

  it("prints nothing raw to the terminal through the CLI report", () => {
    const printed = formatReport(result, true);
    expect(printed).not.toContain("\x1b");
    expect(printed).not.toContain("\x00");
    expect(printed).not.toContain(RLO);
    expect(printed).toContain("\\x1b]52");
  });
});

describe("the one escape", () => {
  it("escapes C0, DEL, C1 and bidi controls, keeps tab and text, and is idempotent", () => {
    const raw = `a\tb\x00\x1b[2J\x7f\x9b${RLO}\u2066ok é 日本`;
    const once = escapeControlCharacters(raw);
    expect(once).toBe("a\tb\\x00\\x1b[2J\\x7f\\x9b\\u202e\\u2066ok é 日本");
    expect(escapeControlCharacters(once)).toBe(once);
  });
});
