import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execute, sqlInteger, sqlText } from "../admin/d1.ts";
import { insertNodeSql, LOCAL_KEY_FILE, newNodeSecret } from "../admin/nodes.ts";
import { DEFAULT_SERVICE_DOMAIN, LAB_CANARY_DOMAIN } from "../shared/probe/defaults.ts";
import { VantageNode } from "../shared/schemas/protocol.ts";
import { DEFAULT_ALLOWED_PORTS, IMPLICIT_TLS_PORT, SUBMISSION_PORT } from "../shared/smtp/ports.ts";
import { buildNodejsProbeBundle, buildProbeBundle } from "../workers/probe/build.ts";
import { type CanaryForwarding, forwardCanaryMail } from "./canary-mx.ts";
import {
  type CoordinatorDevOptions,
  type RunningCoordinator,
  startCoordinatorDev,
} from "./coordinator-dev.ts";
import { freePort, saysAddressInUse } from "./free-port.ts";
import { type RunningLab, startLab } from "./lab.ts";
import { type RunningProbeNode, startProbeNode } from "./probe-node.ts";
import {
  LAB_DNSBL_ZONE,
  LAB_HOSTING_AS,
  type LabListing,
  labListings,
  labProbeZone,
  labZone,
} from "./zone.ts";

/**
 * Four vantages in different regions, sites and networks, as in production, of every kind: a
 * self-hosted workerd node, one configured as a Cloudflare node (465 and 587 only, as Cloudflare
 * allows), and two Node.js nodes, the only kind that tests a server whatever its certificate.
 * ap-northeast is in the lab's hosting AS, so it is `inside` every lab target's network.
 * All leave from 127.0.0.1, so for /about/probes they claim documentation egress addresses
 * (RFC 5737, 3849).
 */
export const LOCAL_VANTAGES = [
  {
    id: "local-eu-west",
    region: "eu-west",
    site: "lab-fra",
    asn: 64501,
    network: "LAB-NET-A",
    runtime: "workerd",
    egress: ["192.0.2.11", "2001:db8::11"],
  },
  {
    id: "local-us-east",
    region: "us-east",
    site: "lab-iad",
    asn: 64502,
    network: "LAB-NET-B",
    runtime: "node",
    egress: ["192.0.2.12"],
  },
  {
    id: "local-ap-northeast",
    region: "ap-northeast",
    site: "lab-nrt",
    asn: LAB_HOSTING_AS.asn,
    network: LAB_HOSTING_AS.network,
    runtime: "cloudflare",
    egress: ["192.0.2.13"],
  },
  {
    id: "local-sa-east",
    region: "sa-east",
    site: "lab-gru",
    asn: 64503,
    network: "LAB-NET-D",
    runtime: "node",
    egress: ["192.0.2.14"],
  },
] as const;

/** The lab's blocklist lists one local node's address, as a real probe host is sometimes listed. */
export const LOCAL_LISTED_EGRESS = ["192.0.2.12"];

const SELF_HOSTED_PORTS = DEFAULT_ALLOWED_PORTS;
const CLOUDFLARE_PORTS = [IMPLICIT_TLS_PORT, SUBMISSION_PORT];
/** The lab CAs (lab/certs), which the workerd nodes trust here, and only here. */
const LAB_CA_CERTIFICATES = ["ca.crt", "odd-ca.crt"].map((file) =>
  fileURLToPath(new URL(`./certs/${file}`, import.meta.url)),
);

export interface LocalNetworkOptions {
  /** 0: a free port. */
  coordinatorPort: number;
  /** First probe node port; the others follow. 0: free ports. */
  nodeBasePort: number;
  labBasePort: number;
  realMtas: boolean;
  workDir: string;
  probeTimeBudgetMs?: number;
  /** How long a check waits for its canary messages before calling them not delivered. */
  proofWindowSeconds?: number;
  /** The per-target cool-down (default 30 s): a browser test of "check again" waits it out. */
  targetCooldownSeconds?: number;
  log?: (line: string) => void;
  /** Aborting during start-up stops what was started so far. */
  signal?: AbortSignal;
}

export interface LocalNetwork {
  coordinator: RunningCoordinator;
  /**
   * The coordinator's local D1 and queues: `npm run admin -- ... --persist-to <this>` (which
   * finds the node registry's NODE_SECRET_KEY here too).
   */
  stateDir: string;
  /** Signs webhooks (see workers/coordinator/src/webhooks/secret.ts for the per-key secret). */
  webhookSigningSecret: string;
  nodes: (RunningProbeNode & { vantage: VantageNode })[];
  lab: RunningLab;
  /** What the lab's canary MX handed to the coordinator's email() handler, and its answers. */
  canaryMx: CanaryForwarding;
  /** The coordinator's last log lines: what a test that failed shows beside its error. */
  recentLog(): string;
  stop(): Promise<void>;
}

/** The registry's wrapping key of a local network, kept beside its D1 so restarts reuse it. */
async function localNodeSecretKey(stateDir: string): Promise<string> {
  const file = join(stateDir, LOCAL_KEY_FILE);
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const key = randomBytes(32).toString("hex");
    await mkdir(stateDir, { recursive: true });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

/**
 * Puts the local nodes into the coordinator's registry, as `admin add-node` would, replacing
 * the nodes of an earlier run (new ports and secrets) and leaving out nothing else.
 */
async function registerLocalNodes(
  stateDir: string,
  key: string,
  nodes: LocalNetwork["nodes"],
  secrets: Record<string, string>,
): Promise<void> {
  const now = Date.now();
  const statements = await Promise.all(
    nodes.map((node) =>
      insertNodeSql(key, node.vantage, secrets[node.vantage.id] ?? "", now, true),
    ),
  );
  await execute({ remote: false, persistTo: stateDir }, statements.join(";\n"));
}

/** The lab domains' listings, verified as `POST /api/v1/public-list/<domain>/verify` would. */
async function registerLabListings(stateDir: string, listings: LabListing[]): Promise<void> {
  const now = sqlInteger(Date.now());
  const rows = listings.map(
    ({ domain, token, port }) =>
      `(${sqlText(domain)}, ${sqlText(token)}, ${sqlInteger(port)}, ${now}, ${now})`,
  );
  await execute(
    { remote: false, persistTo: stateDir },
    `insert into public_listings (domain, token, port, requested_at, verified_at) values ${rows.join(", ")}
     on conflict (domain) do update set token = excluded.token, port = excluded.port, verified_at = excluded.verified_at`,
  );
}

/** How many of the coordinator's log lines a network keeps for `recentLog()`. */
const RECENT_LOG_LINES = 200;

/** Attempts at starting the coordinator on a picked port that someone else took meanwhile. */
const MAX_COORDINATOR_STARTS = 3;

/**
 * wrangler dev on `port`, or with port 0 on a free port, picked again when another process took
 * it between the pick and wrangler's bind (tests start several networks at once).
 */
async function startCoordinatorOnAPort(
  port: number,
  optionsFor: (port: number) => CoordinatorDevOptions,
): Promise<RunningCoordinator> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startCoordinatorDev(optionsFor(port || (await freePort())));
    } catch (error) {
      const retry =
        port === 0 && attempt < MAX_COORDINATOR_STARTS && saysAddressInUse(String(error));
      if (!retry) throw error;
    }
  }
}

/**
 * The whole network on one machine: the lab, four probe nodes as real workerd and Node.js
 * processes, and the coordinator under wrangler dev with a local D1 and queue. Loopback targets are allowed
 * here, and only here, by explicit configuration.
 */
export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const workDir = resolve(options.workDir);
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > RECENT_LOG_LINES) recent.shift();
    options.log?.(line);
  };
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne().catch(() => {});
  };
  const started = (stopOne: () => Promise<void>) => {
    stoppers.push(stopOne);
    options.signal?.throwIfAborted();
  };
  try {
    const lab = await startLab({
      basePort: options.labBasePort,
      realMtas: options.realMtas,
      workDir: `${workDir}/lab`,
    });
    started(() => lab.close());
    const bundles = { workerd: await buildProbeBundle(), node: await buildNodejsProbeBundle() };
    const secrets: Record<string, string> = {};
    const nodes: LocalNetwork["nodes"] = [];
    for (const [index, vantage] of LOCAL_VANTAGES.entries()) {
      secrets[vantage.id] = newNodeSecret();
      const ports = vantage.runtime === "cloudflare" ? CLOUDFLARE_PORTS : SELF_HOSTED_PORTS;
      const node = await startProbeNode({
        nodeId: vantage.id,
        region: vantage.region,
        network: vantage.network,
        site: vantage.site,
        runtime: vantage.runtime,
        allowedPorts: ports,
        allowLoopback: true,
        canaryDomain: LAB_CANARY_DOMAIN,
        // Most lab servers present certificates of the lab CAs; workerd verifies every one.
        trustedCertificates: LAB_CA_CERTIFICATES,
        secret: secrets[vantage.id] ?? "",
        bundlePath: vantage.runtime === "node" ? bundles.node : bundles.workerd,
        workDir: `${workDir}/probe-nodes`,
        ...(options.nodeBasePort ? { listenPort: options.nodeBasePort + index } : {}),
      });
      started(() => node.kill());
      nodes.push({ ...node, vantage: VantageNode.parse({ ...vantage, url: node.url, ports }) });
    }
    const webhookSigningSecret = randomBytes(32).toString("hex");
    const stateDir = `${workDir}/coordinator-state`;
    const nodeSecretKey = await localNodeSecretKey(stateDir);
    const listings = labListings(lab.targets, () => randomBytes(16).toString("hex"));
    const coordinator = await startCoordinatorOnAPort(options.coordinatorPort, (port) => ({
      port,
      stateDir,
      vars: {
        // The nodes come from the registry (registered below, as the admin CLI does).
        PROBE_NODES: "[]",
        NODE_SECRETS: "{}",
        NODE_SECRET_KEY: nodeSecretKey,
        ALLOW_LOOPBACK_TARGETS: "true",
        PROOF_SECRET: randomBytes(32).toString("hex"),
        // Local only: no Turnstile widget; a deployment without keys refuses anonymous checks.
        TURNSTILE: "off",
        DNS_ZONE:
          labZone(lab.targets, LOCAL_VANTAGES, listings) +
          labProbeZone(LOCAL_VANTAGES, LOCAL_LISTED_EGRESS, DEFAULT_SERVICE_DOMAIN),
        DNSBL_ZONES: LAB_DNSBL_ZONE,
        CANARY_DOMAIN: LAB_CANARY_DOMAIN,
        // Every lab server is on 127.0.0.1: one /24 for the caps, which the tests check often.
        NODE_CHECKS_PER_MINUTE: "1000",
        NODE_CHECKS_PER_PREFIX_PER_HOUR: "10000",
        PROBE_TIME_BUDGET_MS: `${options.probeTimeBudgetMs ?? 60_000}`,
        TARGET_COOLDOWN_SECONDS: `${options.targetCooldownSeconds ?? 30}`,
        // Every local caller is one address; the tests and a person trying things share it.
        ANON_CHECKS_PER_MINUTE: "30",
        WEBHOOK_SIGNING_SECRET: webhookSigningSecret,
        PROOF_WINDOW_SECONDS: `${options.proofWindowSeconds ?? 60}`,
        PUBLIC_ORIGIN: `http://127.0.0.1:${port}`,
      },
      log,
      ...(options.signal ? { signal: options.signal } : {}),
    }));
    started(() => coordinator.stop());
    await registerLocalNodes(stateDir, nodeSecretKey, nodes, secrets);
    await registerLabListings(stateDir, listings);
    // The lab's canary MX: what lab servers relay to the canary domain reaches email().
    const canaryMx = forwardCanaryMail(lab.sink, coordinator.url);
    started(async () => canaryMx.stop());
    const recentLog = () => recent.join("\n");
    return { coordinator, stateDir, webhookSigningSecret, nodes, lab, canaryMx, recentLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The real local network for one isolated run (a test file, a benchmark): free ports, the real
 * MTAs and its own work directory, lab-run/<name>, so runs at the same time never share a
 * Postfix instance.
 */
export async function startIsolatedNetwork(
  name: string,
  options: {
    probeTimeBudgetMs?: number;
    proofWindowSeconds?: number;
    targetCooldownSeconds?: number;
    /** False for a file that needs only the simulated servers (no Postfix, no Exim). */
    realMtas?: boolean;
  } = {},
): Promise<LocalNetwork> {
  return startLocalNetwork({
    coordinatorPort: 0,
    nodeBasePort: 0,
    labBasePort: 0,
    realMtas: options.realMtas ?? true,
    workDir: fileURLToPath(new URL(`../lab-run/${name}`, import.meta.url)),
    probeTimeBudgetMs: options.probeTimeBudgetMs ?? 10_000,
    ...(options.proofWindowSeconds ? { proofWindowSeconds: options.proofWindowSeconds } : {}),
    ...(options.targetCooldownSeconds !== undefined
      ? { targetCooldownSeconds: options.targetCooldownSeconds }
      : {}),
  });
}

/** The port of a lab target by its table name; a missing target fails loudly. */
export function labPort(network: LocalNetwork, name: string): number {
  const target = network.lab.targets.find((t) => t.name === name);
  if (!target) throw new Error(`no lab target ${name}`);
  return target.port;
}
