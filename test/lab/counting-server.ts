/**
 * An SMTP server on loopback that counts what a tester costs it: connections (in all and at
 * once), commands, and messages accepted through DATA. It answers in one of a few ways that make
 * a tester work hardest: refusing every recipient, deferring every one (greylisting), accepting
 * everything (a catch-all), or hanging up after each reply.
 */
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { NODE_MAX_MESSAGES_CAP } from "../../shared/node/config.ts";
import { LAB_CANARY_DOMAIN } from "../../shared/probe/defaults.ts";
import { runProbe } from "../../shared/probe/runner.ts";
import { nodeConnector } from "../../shared/smtp/node-stream.ts";

export type CountingBehaviour = "refuse" | "defer" | "accept-all" | "hang-up";

export interface Costs {
  connections: number;
  peakOpenConnections: number;
  commands: number;
  messages: number;
}

export interface CountingServer {
  port: number;
  readonly costs: Costs;
  close(): Promise<void>;
}

function reply(behaviour: CountingBehaviour, verb: string): string {
  switch (verb) {
    case "EHLO":
      return "250-counting.lab.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
    case "HELO":
    case "MAIL":
    case "RSET":
    case "NOOP":
      return "250 2.0.0 Ok\r\n";
    case "RCPT":
      if (behaviour === "refuse") return "554 5.7.1 Relay access denied\r\n";
      if (behaviour === "defer") return "450 4.7.1 Greylisted, try again in 1 seconds\r\n";
      return "250 2.1.5 Ok\r\n";
    case "DATA":
      return "354 End data with <CR><LF>.<CR><LF>\r\n";
    case "QUIT":
      return "221 2.0.0 Bye\r\n";
    default:
      return "502 5.5.2 Command not recognized\r\n";
  }
}

export async function startCountingServer(behaviour: CountingBehaviour): Promise<CountingServer> {
  const costs: Costs = { connections: 0, peakOpenConnections: 0, commands: 0, messages: 0 };
  let open = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    costs.connections += 1;
    open += 1;
    // A connection is open until the client's end of it (its FIN, or a reset) arrives, even
    // when we hung up first. The tester's FIN for its last connection reaches the kernel before
    // its next connection does, but the event loop may hand us the new connection first, in the
    // same turn: the count is taken once that turn's events are all in.
    setImmediate(() => {
      costs.peakOpenConnections = Math.max(costs.peakOpenConnections, open);
    });
    let counted = true;
    const closedByClient = () => {
      if (counted) open -= 1;
      counted = false;
    };
    socket.on("end", closedByClient);
    socket.on("error", closedByClient);
    socket.on("close", () => {
      closedByClient();
      sockets.delete(socket);
    });
    socket.write("220 counting.lab.test ESMTP\r\n");
    let buffered = "";
    let inData = false;
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      for (let end = buffered.indexOf("\r\n"); end >= 0; end = buffered.indexOf("\r\n")) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            costs.messages += 1;
            socket.write("250 2.0.0 Ok: queued\r\n");
          }
          continue;
        }
        costs.commands += 1;
        const verb = line.slice(0, 4).toUpperCase();
        socket.write(reply(behaviour, verb));
        if (verb === "DATA") inData = true;
        if (verb === "QUIT" || (behaviour === "hang-up" && verb !== "EHLO")) {
          socket.end();
          return;
        }
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    port,
    costs,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(() => done(undefined)));
    },
  };
}

/**
 * What one probe run, as a probe node runs it (delivery proof at the node's cap of 3 messages),
 * costs a server that answers in `behaviour`.
 */
export async function measureProbeRun(behaviour: CountingBehaviour): Promise<Costs> {
  const server = await startCountingServer(behaviour);
  try {
    await runProbe(nodeConnector, {
      target: { address: "127.0.0.1", port: server.port },
      canaryDomain: LAB_CANARY_DOMAIN,
      timeBudgetMs: 60_000,
      tokenNonce: "budgetnonce1",
      proof: { reportUrl: null, maxMessages: NODE_MAX_MESSAGES_CAP, key: "0".repeat(64) },
    });
    // The last QUITs are sent in the background; let them land before counting.
    await new Promise((done) => setTimeout(done, 200));
    return { ...server.costs };
  } finally {
    await server.close();
  }
}
