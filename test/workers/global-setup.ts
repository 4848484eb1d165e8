import type { TestProject } from "vitest/node";
import { startSim } from "../../lab/sim/index.ts";

/**
 * Runs in Node before the workers project: a real lab server for the auxiliary probe Workers to
 * test through `connect()`, on loopback. Its port reaches the tests through `inject`.
 */
export default async function setup(project: TestProject) {
  const [openRelay, secure] = await Promise.all([
    startSim("open-relay"),
    startSim("secure-pipelining"),
  ]);
  project.provide("openRelayPort", openRelay.port);
  project.provide("securePort", secure.port);
  return async () => {
    await Promise.all([openRelay.close(), secure.close()]);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    openRelayPort: number;
    securePort: number;
  }
}
