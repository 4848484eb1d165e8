/**
 * The page weight of a finished report with at least 12 vantage results (the lab's two-mx domain:
 * 2 MX hosts x 2 addresses x every local vantage), as a browser gets it: the HTML with its inline CSS and
 * script, gzipped. Runs the real local network (lab, workerd nodes, wrangler dev) on free ports.
 *
 *   npm run bench:report-weight
 */
import { gzipSync } from "node:zlib";
import { labPort, startTestNetwork } from "../test/integration/network-fixture.ts";

/** The budget README promises: HTML + CSS + JS of such a report, gzip. */
const BUDGET_BYTES = 60 * 1024;

const network = await startTestNetwork("report-weight", { probeTimeBudgetMs: 10_000 });
try {
  const base = network.coordinator.url;
  const created = await fetch(`${base}/api/v1/checks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    // Proof, like the page: the delivered cases are part of the report.
    body: JSON.stringify({
      domain: "two-mx.lab.test",
      port: labPort(network, "two-mx"),
      proof: true,
    }),
  });
  const { id } = (await created.json()) as { id: string };
  let status = "";
  for (let waited = 0; status !== "done" && waited < 120; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    status = ((await (await fetch(`${base}/api/v1/checks/${id}`)).json()) as { status: string })
      .status;
  }
  if (status !== "done") throw new Error(`the check did not finish (status ${status})`);
  const report = (await (await fetch(`${base}/api/v1/checks/${id}`)).json()) as {
    mxHosts: { addresses: { vantages: unknown[] }[] }[];
  };
  const vantageResults = report.mxHosts
    .flatMap((host) => host.addresses)
    .reduce((sum, address) => sum + address.vantages.length, 0);
  const weights = [];
  for (const language of ["en", "ja"]) {
    const html = await (await fetch(`${base}/report/${id}?lang=${language}`)).text();
    weights.push({
      page: `report (${language})`,
      raw: Buffer.byteLength(html),
      gzip: gzipSync(html, { level: 9 }).byteLength,
    });
  }
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  process.stdout.write("page              vantage results  HTML+CSS+JS  gzip      budget\n");
  for (const weight of weights)
    process.stdout.write(
      `${weight.page.padEnd(18)}${String(vantageResults).padEnd(17)}${kb(weight.raw).padEnd(13)}${kb(weight.gzip).padEnd(10)}${kb(BUDGET_BYTES)}\n`,
    );
  process.exitCode = weights.every((weight) => weight.gzip <= BUDGET_BYTES) ? 0 : 1;
} finally {
  await network.stop();
}
