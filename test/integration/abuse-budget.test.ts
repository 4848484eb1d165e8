/**
 * Issue 8, item 4: the most one probe run may cost one server, counted by the server itself,
 * against the answers that make a tester work hardest. README "Security model" states these
 * bounds; `npm run bench:budget` prints the measured numbers.
 */
import { once } from "node:events";
import { createConnection } from "node:net";
import { describe, expect, it } from "vitest";
import { NODE_MAX_MESSAGES_CAP } from "../../shared/node/config.ts";
import { PROBE_BUDGET } from "../../shared/probe/budget.ts";
import {
  type CountingBehaviour,
  measureProbeRun,
  startCountingServer,
} from "../lab/counting-server.ts";

/**
 * Commands one run may send: every connection of the budget (the DATA step's included) with at
 * most 20 commands each (EHLO, STARTTLS, EHLO, five cases of MAIL, RCPT and RSET, QUIT).
 */
const MAX_COMMANDS_PER_RUN = PROBE_BUDGET.maxTotalConnections * 20;

describe("the abuse budget of one probe run", () => {
  it.each<CountingBehaviour>(["refuse", "defer", "accept-all", "hang-up"])(
    "holds against a server that answers %s",
    async (behaviour) => {
      const costs = await measureProbeRun(behaviour);
      expect(costs.connections).toBeGreaterThan(0);
      expect(costs.peakOpenConnections).toBeLessThanOrEqual(PROBE_BUDGET.maxOpenConnections);
      expect(costs.connections).toBeLessThanOrEqual(PROBE_BUDGET.maxTotalConnections);
      expect(costs.commands).toBeLessThanOrEqual(MAX_COMMANDS_PER_RUN);
      expect(costs.messages).toBeLessThanOrEqual(NODE_MAX_MESSAGES_CAP);
      if (behaviour === "accept-all") expect(costs.messages).toBe(NODE_MAX_MESSAGES_CAP);
    },
    90_000,
  );
});

describe("the counting server", () => {
  it("counts connections open at once, and not one the client has closed", async () => {
    const server = await startCountingServer("refuse");
    const connect = async () => {
      const socket = createConnection({ host: "127.0.0.1", port: server.port });
      await once(socket, "connect");
      return socket;
    };
    try {
      const sockets = await Promise.all([1, 2, 3].map(connect));
      // The tester closes one and at once opens the next: still three open.
      sockets[0]?.destroy();
      sockets.push(await connect());
      await new Promise((done) => setTimeout(done, 100));
      expect(server.costs.peakOpenConnections).toBe(3);
      sockets.push(await connect());
      await new Promise((done) => setTimeout(done, 100));
      expect(server.costs.peakOpenConnections).toBe(4);
      expect(server.costs.connections).toBe(5);
      for (const socket of sockets) socket.destroy();
    } finally {
      await server.close();
    }
  });
});
