import { formatLabTable } from "../lab/lab.ts";
import { type LocalNetwork, startLocalNetwork } from "../lab/local-network.ts";
import { LAB_HOSTING_AS } from "../lab/zone.ts";

const COORDINATOR_PORT = 8787;

// Ctrl-C during start-up must stop what was already started, so the handlers come first.
const startup = new AbortController();
let network: LocalNetwork | null = null;
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write("\nStopping...\n");
  startup.abort();
  // Still starting: the start-up fails on the abort and stops what it had started.
  await (network
    ? network.stop()
    : starting.then(
        (started) => started.stop(),
        () => {},
      ));
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

process.stdout.write(
  "Starting the Relaywatch network on 127.0.0.1 (lab, 4 probe nodes, coordinator)...\n",
);
const starting = startLocalNetwork({
  signal: startup.signal,
  coordinatorPort: COORDINATOR_PORT,
  nodeBasePort: 8701,
  labBasePort: 2500,
  realMtas: true,
  workDir: "lab-run/network",
  log: (line) => process.stderr.write(`coordinator: ${line}\n`),
});
const running = await starting;
network = running;

// Cloudflare runs the cron trigger ("* * * * *" in wrangler.toml) each minute; wrangler dev only
// on request (GET /__scheduled), so the local network asks for it on the same schedule: overdue
// checks are finished, nodes health-checked, blocklists looked up, badges re-checked.
const CRON_INTERVAL_MS = 60_000;
const cron = setInterval(() => {
  fetch(`${running.coordinator.url}/__scheduled`).then(
    (response) => {
      if (!response.ok) process.stderr.write(`cron: HTTP ${response.status}\n`);
      return response.body?.cancel();
    },
    (error: unknown) => process.stderr.write(`cron: ${String(error)}\n`),
  );
}, CRON_INTERVAL_MS);
cron.unref();

const open =
  running.lab.targets.find((target) => target.name === "postfix-open") ??
  running.lab.targets.find((target) => target.name === "open-relay");
const portOf = (name: string) => running.lab.targets.find((target) => target.name === name)?.port;
process.stdout.write(`
Coordinator  ${running.coordinator.url}  (page: /, API: /api/v1/checks, docs: /api/docs)
${running.nodes.map((node) => `Probe node   ${node.url}  ${node.vantage.region} @ ${node.vantage.site} (AS${node.vantage.asn} ${node.vantage.network}, ${node.vantage.runtime})`).join("\n")}
(from the node registry: npm run -s admin -- list-nodes --persist-to ${running.stateDir};
 AS${LAB_HOSTING_AS.asn} also hosts every lab target, so that node's vantages are "inside")

Lab:
${formatLabTable(running.lab)}
${running.lab.hints.map((hint) => `hint: ${hint}\n`).join("")}
Try:
  curl -s -X POST ${running.coordinator.url}/api/v1/checks -H 'content-type: application/json' -d '{"host":"127.0.0.1","port":${open?.port}}'
  curl -s ${running.coordinator.url}/api/v1/checks/<id from the answer>
A domain check of a lab target names its port, since MX records carry none:
  curl -s -X POST ${running.coordinator.url}/api/v1/checks -H 'content-type: application/json' -d '{"domain":"trusted-vantage.lab.test","port":${portOf("trusted-vantage")}}'
Delivery proof (the page always asks for it; a target is checked at most every 30 s here), and
a server speaking TLS from the first byte:
  curl -s -X POST ${running.coordinator.url}/api/v1/checks -H 'content-type: application/json' -d '{"host":"127.0.0.1","port":${portOf("asip62")},"proof":true}'
  curl -s -X POST ${running.coordinator.url}/api/v1/checks -H 'content-type: application/json' -d '{"host":"127.0.0.1","port":${portOf("implicit-tls")},"implicitTls":true}'
A self-signed STARTTLS-only relay: open from the Node.js nodes, "TLS not testable" from workerd's:
  curl -s -X POST ${running.coordinator.url}/api/v1/checks -H 'content-type: application/json' -d '{"domain":"tls-self-signed.lab.test","port":${portOf("tls-self-signed")}}'
The page: ${running.coordinator.url}/   A badge: ${running.coordinator.url}/badge/${open?.name}.lab.test.svg (after checking {"domain":"${open?.name}.lab.test","port":${open?.port}})
An API key for batches and webhooks (printed once):
  npm run -s admin -- create-key --name "Me" --persist-to ${running.stateDir}
Ctrl-C stops everything.
`);
