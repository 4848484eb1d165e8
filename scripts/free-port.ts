import { once } from "node:events";
import { createServer } from "node:net";

/** A port on 127.0.0.1 that is free now; whoever binds it next may still lose a race for it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (!address || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}
