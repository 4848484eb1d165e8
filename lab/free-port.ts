import { once } from "node:events";
import { createServer } from "node:net";

/**
 * Below Linux's ephemeral range (32768-60999): a port handed out by listen(0) comes from that
 * range, where any outbound connection of any process (wrangler, workerd, a browser) may take it
 * as its local port before our server binds it. Here only another picker could.
 */
const PICK_RANGE = { first: 15_000, last: 32_000 } as const;
const MAX_PICKS = 50;

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, "127.0.0.1");
  try {
    await once(server, "listening");
  } catch {
    return false;
  }
  await new Promise((closed) => server.close(closed));
  return true;
}

/** A port on 127.0.0.1 that is free now; whoever binds it next may still lose a race for it. */
export async function freePort(): Promise<number> {
  const span = PICK_RANGE.last - PICK_RANGE.first;
  for (let pick = 0; pick < MAX_PICKS; pick += 1) {
    const port = PICK_RANGE.first + Math.floor(Math.random() * span);
    if (await isFree(port)) return port;
  }
  throw new Error(
    `no free port among ${MAX_PICKS} tries in ${PICK_RANGE.first}-${PICK_RANGE.last}`,
  );
}

/** Whether a child's output says its port was taken: then a start with another port may work. */
export function saysAddressInUse(output: string): boolean {
  return /address already in use|EADDRINUSE/i.test(output);
}
