import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { signedNodeRequest } from "../../workers/coordinator/src/nodes/call.ts";

/**
 * The coordinator's call to a node over real sockets: a node that drops a connection before
 * answering (a keep-alive connection it had closed, a restart) is asked again, within the
 * call's one time bound, and a node that keeps dropping is reported as unreachable.
 */

const SECRET = "s".repeat(32);
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

/** A node that destroys the first `drops` connections on their first bytes, then answers 200. */
async function flakyNode(drops: number): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket: Socket) => {
    connections += 1;
    const drop = connections <= drops;
    socket.once("data", () => {
      if (drop) {
        socket.destroy();
        return;
      }
      socket.end(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
      );
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { url: `http://127.0.0.1:${address.port}`, connections: () => connections };
}

const request = { method: "POST" as const, body: "{}", timeoutMs: 5_000 };

/**
 * Node's fetch fails a dropped connection with a TypeError ("fetch failed"). The caller tells
 * "could not be reached" from "did not answer in time" by this, so a give-up must rethrow the
 * connection's own error, never the time bound's TimeoutError.
 */
const isConnectionError = (error: unknown) =>
  error instanceof TypeError && (error as Error).name !== "TimeoutError";

describe("signedNodeRequest", () => {
  it("asks again when the node drops the connection before answering", async () => {
    const node = await flakyNode(2);
    const response = await signedNodeRequest(
      { url: node.url, binding: null },
      {},
      SECRET,
      "/v1/health",
      request,
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
    expect(node.connections()).toBe(3);
  });

  it("gives up after three attempts, with the connection's error", async () => {
    const node = await flakyNode(10);
    await expect(
      signedNodeRequest({ url: node.url, binding: null }, {}, SECRET, "/v1/health", request),
    ).rejects.toSatisfy(isConnectionError);
    expect(node.connections()).toBe(3);
  });

  it("never asks again past the call's time bound", async () => {
    const node = await flakyNode(10);
    const started = Date.now();
    await expect(
      signedNodeRequest({ url: node.url, binding: null }, {}, SECRET, "/v1/health", {
        ...request,
        timeoutMs: 100,
      }),
    ).rejects.toSatisfy(isConnectionError);
    expect(node.connections()).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
