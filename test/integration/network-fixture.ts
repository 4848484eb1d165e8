import { fileURLToPath } from "node:url";
import { type LocalNetwork, startLocalNetwork } from "../../scripts/local-network.ts";

/**
 * The real local network for one end-to-end test file: free ports, the real MTAs, its own work
 * directory under lab-run/ (so files running at once never share a Postfix instance).
 */
export async function startTestNetwork(
  name: string,
  options: { probeTimeBudgetMs?: number; proofWindowSeconds?: number } = {},
): Promise<LocalNetwork> {
  return startLocalNetwork({
    coordinatorPort: 0,
    nodeBasePort: 0,
    labBasePort: 0,
    realMtas: true,
    workDir: fileURLToPath(new URL(`../../lab-run/test-${name}`, import.meta.url)),
    probeTimeBudgetMs: options.probeTimeBudgetMs ?? 10_000,
    ...(options.proofWindowSeconds ? { proofWindowSeconds: options.proofWindowSeconds } : {}),
  });
}

/** The port of a lab target by its table name; a missing target fails the test loudly. */
export function labPort(network: LocalNetwork, name: string): number {
  const target = network.lab.targets.find((t) => t.name === name);
  if (!target) throw new Error(`no lab target ${name}`);
  return target.port;
}
