/**
 * Times checks end to end against a running coordinator (`npm start` first):
 *   npx tsx scripts/time-check.ts '{"host":"127.0.0.1","port":2502}' '{"host":"127.0.0.1","port":2501}'
 * Prints, per check, the wall time from POST to a finished report and each vantage's verdict.
 */
import { submitCheck, waitForCheck } from "../lab/check-client.ts";

const base = process.env.RELAYWATCH_URL ?? "http://127.0.0.1:8787";
const bodies = process.argv.slice(2);
if (bodies.length === 0) {
  process.stderr.write("usage: tsx scripts/time-check.ts '<check request JSON>' ...\n");
  process.exit(64);
}
for (const text of bodies) {
  const started = Date.now();
  const response = await submitCheck(base, JSON.parse(text));
  const location = response.headers.get("location");
  if (!location) {
    process.stdout.write(`${text}: ${response.status} ${await response.text()}\n`);
    continue;
  }
  const report = await waitForCheck(base, location, 300_000);
  process.stdout.write(
    `${text}: ${Date.now() - started} ms, ${report.status}, ${report.verdict}\n`,
  );
  for (const host of report.mxHosts) {
    for (const address of host.addresses) {
      for (const vantage of address.vantages) {
        process.stdout.write(
          `  ${host.host} ${address.address} ${vantage.region}: ${vantage.verdict}\n`,
        );
      }
    }
  }
}
