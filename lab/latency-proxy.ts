import { connect, createServer, type Server, type Socket } from "node:net";

export interface LatencyProxy {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback that holds every chunk from the server for `delayMs` before the
 * client sees it, so one round trip costs `delayMs` as on a real network. Chunks keep their
 * order and are not serialized behind each other's delay, so pipelined replies arrive together
 * as they would across a wide-area link.
 */
export function startLatencyProxy(
  target: { host: string; port: number },
  delayMs: number,
): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
      }, delayMs);
    });
    upstream.on("end", () => setTimeout(() => client.end(), delayMs));
    const teardown = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", teardown).on("close", () => setTimeout(teardown, delayMs));
    upstream.on("error", teardown).on("close", () => setTimeout(teardown, delayMs * 2));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (!address || typeof address === "string") {
        reject(new Error("latency proxy has no port"));
        return;
      }
      resolve({
        host: "127.0.0.1",
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
