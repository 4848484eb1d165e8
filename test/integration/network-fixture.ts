import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { submitCheck, waitForCheck } from "../../lab/check-client.ts";
import { type LocalNetwork, startIsolatedNetwork } from "../../lab/local-network.ts";
import type { CheckReport } from "../../shared/schemas/check-report.ts";

/** The real local network for one end-to-end test file, in lab-run/test-<name>. */
export const startTestNetwork = (
  name: string,
  options?: Parameters<typeof startIsolatedNetwork>[1],
): Promise<LocalNetwork> => startIsolatedNetwork(`test-${name}`, options);

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** `npm run admin -- <args>` against the network's local D1, with its exit code and output. */
export function adminOn(
  network: LocalNetwork,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["tsx", "admin/main.ts", ...args, "--persist-to", network.stateDir],
      { cwd: REPO },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Submits a check to the network's coordinator and waits for its report. */
export async function checkOn(network: LocalNetwork, body: unknown): Promise<CheckReport> {
  const base = network.coordinator.url;
  const response = await submitCheck(base, body);
  expect(response.status).toBe(202);
  const location = response.headers.get("location");
  expect(location).toMatch(/^\/api\/v1\/checks\/[0-9a-f-]{36}$/);
  try {
    return await waitForCheck(base, location ?? "", 60_000);
  } catch (error) {
    // A check that never finishes says why only in the coordinator's log.
    throw new Error(`${(error as Error).message}\ncoordinator log:\n${network.recentLog()}`);
  }
}

/** Every vantage of a report, flattened over MX hosts and addresses. */
export const vantagesOf = (report: CheckReport) =>
  report.mxHosts.flatMap((host) => host.addresses.flatMap((address) => address.vantages));
