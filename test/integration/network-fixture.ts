import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { submitCheck, waitForCheck } from "../../scripts/check-client.ts";
import { type LocalNetwork, startLocalNetwork } from "../../scripts/local-network.ts";
import type { CheckReport } from "../../shared/schemas/check-report.ts";

/**
 * The real local network for one end-to-end test file: free ports, the real MTAs (unless a file
 * needs only the simulated servers), its own work directory under lab-run/ (so files running at
 * once never share a Postfix instance).
 */
export async function startTestNetwork(
  name: string,
  options: {
    probeTimeBudgetMs?: number;
    proofWindowSeconds?: number;
    targetCooldownSeconds?: number;
    realMtas?: boolean;
  } = {},
): Promise<LocalNetwork> {
  return startLocalNetwork({
    coordinatorPort: 0,
    nodeBasePort: 0,
    labBasePort: 0,
    realMtas: options.realMtas ?? true,
    workDir: fileURLToPath(new URL(`../../lab-run/test-${name}`, import.meta.url)),
    probeTimeBudgetMs: options.probeTimeBudgetMs ?? 10_000,
    ...(options.proofWindowSeconds ? { proofWindowSeconds: options.proofWindowSeconds } : {}),
    ...(options.targetCooldownSeconds !== undefined
      ? { targetCooldownSeconds: options.targetCooldownSeconds }
      : {}),
  });
}

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** `npm run admin -- <args>` against the network's local D1, with its exit code and output. */
export function adminOn(
  network: LocalNetwork,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["tsx", "scripts/admin.ts", ...args, "--persist-to", network.stateDir],
      { cwd: REPO },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The port of a lab target by its table name; a missing target fails the test loudly. */
export function labPort(network: LocalNetwork, name: string): number {
  const target = network.lab.targets.find((t) => t.name === name);
  if (!target) throw new Error(`no lab target ${name}`);
  return target.port;
}

/** Submits a check to the network's coordinator and waits for its report. */
export async function checkOn(network: LocalNetwork, body: unknown): Promise<CheckReport> {
  const base = network.coordinator.url;
  const response = await submitCheck(base, body);
  expect(response.status).toBe(202);
  const location = response.headers.get("location");
  expect(location).toMatch(/^\/api\/v1\/checks\/[0-9a-f-]{36}$/);
  return waitForCheck(base, location ?? "", 60_000);
}

/** Every vantage of a report, flattened over MX hosts and addresses. */
export const vantagesOf = (report: CheckReport) =>
  report.mxHosts.flatMap((host) => host.addresses.flatMap((address) => address.vantages));
