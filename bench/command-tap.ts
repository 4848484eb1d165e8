import { connect, createServer, type Socket } from "node:net";

/** One client command and the code of the reply it got (null: none before the close). */
export interface Exchange {
  verb: string;
  code: number | null;
}

/** What crossed the tap since the last `take()`: one exchange list per connection. */
export type TapRecord = Exchange[][];

export interface CommandTap {
  host: string;
  port: number;
  take(): TapRecord;
  close(): Promise<void>;
}

/** A final reply line: three digits, then a space or nothing (a "250-" line continues). */
const FINAL_REPLY = /^(\d{3})(?: |$)/;

/**
 * A transparent loopback TCP forwarder that reads the SMTP dialogue passing through it and pairs
 * each command with its reply, so both tools are counted the same way, on the wire, whatever
 * they say about themselves. Replies come in command order (RFC 2920 keeps that true when
 * pipelining), so pairing is first in, first out. It sits between the latency proxy and the
 * server: it sees each reply before the delayed client does, so a finished run is fully counted.
 */
export function startCommandTap(target: { host: string; port: number }): Promise<CommandTap> {
  const sockets = new Set<Socket>();
  let record: TapRecord = [];

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    // Forward at once: Nagle's algorithm would add delay the bench is not about.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    // The greeting is owed before any command.
    const greeting: Exchange = { verb: "(greeting)", code: null };
    const exchanges: Exchange[] = [greeting];
    const awaiting: Exchange[] = [greeting];
    record.push(exchanges);

    const onClientLine = (line: string) => {
      const exchange: Exchange = { verb: (line.split(" ", 1)[0] ?? "").toUpperCase(), code: null };
      exchanges.push(exchange);
      awaiting.push(exchange);
    };
    const onServerLine = (line: string) => {
      const final = FINAL_REPLY.exec(line);
      const exchange = final ? awaiting.shift() : undefined;
      if (exchange && final) exchange.code = Number(final[1]);
    };

    client.on(
      "data",
      splitLines(onClientLine, (chunk) => upstream.write(chunk)),
    );
    upstream.on(
      "data",
      splitLines(onServerLine, (chunk) => client.write(chunk)),
    );
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    const teardown = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", teardown).on("close", teardown);
    upstream.on("error", teardown).on("close", teardown);
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (!address || typeof address === "string") {
        reject(new Error("command tap has no port"));
        return;
      }
      resolve({
        host: "127.0.0.1",
        port: address.port,
        take: () => {
          const taken = record;
          record = [];
          return taken;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Passes every chunk on untouched and hands each complete line (CR LF stripped) to `onLine`. */
function splitLines(onLine: (line: string) => void, forward: (chunk: Buffer) => void) {
  let pending = "";
  return (chunk: Buffer) => {
    forward(chunk);
    pending += chunk.toString("latin1");
    let end = pending.indexOf("\n");
    while (end !== -1) {
      onLine(pending.slice(0, end).replace(/\r$/, ""));
      pending = pending.slice(end + 1);
      end = pending.indexOf("\n");
    }
  };
}

export interface WireCounts {
  connections: number;
  mail: number;
  rcpt: number;
  /**
   * Cases the server really answered: a MAIL refused outright (the case ends there) or a RCPT
   * with any reply. A 421 is the server hanging up, not an answer to the case.
   */
  answered: number;
}

export function countWire(record: TapRecord): WireCounts {
  const exchanges = record.flat();
  const real = (code: number | null) => code !== null && code !== 421;
  return {
    connections: record.length,
    mail: exchanges.filter((exchange) => exchange.verb === "MAIL").length,
    rcpt: exchanges.filter((exchange) => exchange.verb === "RCPT").length,
    answered: exchanges.filter(
      ({ verb, code }) =>
        (verb === "MAIL" && real(code) && (code ?? 0) >= 400) || (verb === "RCPT" && real(code)),
    ).length,
  };
}
