import type { CheckReport } from "../shared/schemas/check-report.ts";

/** A small client for the coordinator's check API: submit, then follow the Location until done. */

export async function submitCheck(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/checks`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export async function waitForCheck(
  baseUrl: string,
  location: string,
  timeoutMs: number,
): Promise<CheckReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = (await (await fetch(`${baseUrl}${location}`)).json()) as CheckReport;
    if (report.status === "done" || report.status === "failed") return report;
    if (Date.now() > deadline)
      throw new Error(
        `check ${location} still ${report.status} after ${timeoutMs} ms; vantages: ${vantageStates(report)}`,
      );
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

/** Where each vantage stands, for a check that did not finish: which node is it waiting for? */
function vantageStates(report: CheckReport): string {
  const vantages = (report.mxHosts ?? []).flatMap((host) =>
    host.addresses.flatMap((address) =>
      address.vantages.map((v) => `${v.node} ${address.address} ${v.status}`),
    ),
  );
  return vantages.join(", ") || "none";
}
