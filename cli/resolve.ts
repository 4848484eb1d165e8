import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

export class UnknownHostError extends Error {}

/**
 * The addresses of the host the user named. The CLI tests the user's own view of a server,
 * so loopback and private addresses are allowed here (the coordinator's guard is stricter).
 */
export async function resolveHost(host: string): Promise<string[]> {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(bare)) return [bare];
  try {
    const found = await lookup(bare, { all: true, verbatim: true });
    if (found.length === 0) throw new UnknownHostError(`${host} has no address`);
    return found.map((entry) => entry.address);
  } catch (error) {
    if (error instanceof UnknownHostError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "lookup failed";
    throw new UnknownHostError(`cannot resolve ${host}: ${code}`);
  }
}
