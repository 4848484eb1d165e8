/** A small client for the coordinator's check API: submit, then follow the Location until done. */

export interface CheckReportSummary {
  id: string;
  status: string;
  verdict: string | null;
  reason: string | null;
  disagreement: string | null;
  outsideVantages: number;
  unavailableVantages: { nodeId: string; region: string; reason: string }[];
  mxHosts: {
    host: string;
    addresses: {
      address: string;
      origin: { asns: number[]; name: string | null } | null;
      vantages: {
        node: string;
        region: string;
        location: { kind: string; name: string } | null;
        inside: boolean;
        status: string;
        verdict: string | null;
        reason: string | null;
        /** The server's TLS session and certificate as this vantage saw them. */
        tls: Record<string, unknown> | null;
        cases: unknown[];
      }[];
    }[];
  }[];
}

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
): Promise<CheckReportSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = (await (await fetch(`${baseUrl}${location}`)).json()) as CheckReportSummary;
    if (report.status === "done" || report.status === "failed") return report;
    if (Date.now() > deadline)
      throw new Error(`check ${location} still ${report.status} after ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
}
