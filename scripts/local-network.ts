import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LAB_CANARY_DOMAIN } from "../shared/probe/defaults.ts";
import type { VantageNode } from "../shared/schemas/protocol.ts";
import { type CanaryForwarding, forwardCanaryMail } from "../test/lab/canary-mx.ts";
import { type RunningLab, startLab } from "../test/lab/lab.ts";
import { buildNodeProbeBundle, buildProbeBundle } from "./build-probe.ts";
import {
  type CoordinatorDevOptions,
  type RunningCoordinator,
  startCoordinatorDev,
} from "./coordinator-dev.ts";
import { freePort, saysAddressInUse } from "./free-port.ts";
import { labZone } from "./lab-zone.ts";
import { type RunningProbeNode, startProbeNode } from "./probe-node.ts";

/**
 * Four vantages in different regions and networks, as in production, of every kind: a
 * self-hosted workerd node, one configured as a Cloudflare node (465 and 587 only, as Cloudflare
 * allows), and two Node.js nodes, the only kind that tests a server whatever its certificate.
 */
export const LOCAL_VANTAGES = [
  { id: "local-eu-west", region: "eu-west", network: "lab-net-a", runtime: "workerd" },
  { id: "local-us-east", region: "us-east", network: "lab-net-b", runtime: "node" },
  { id: "local-ap-northeast", region: "ap-northeast", network: "lab-net-c", runtime: "cloudflare" },
  { id: "local-sa-east", region: "sa-east", network: "lab-net-d", runtime: "node" },
] as const satisfies readonly Omit<VantageNode, "url" | "ports">[];

const SELF_HOSTED_PORTS = [25, 465, 587, 2525];
const CLOUDFLARE_PORTS = [465, 587];
/** The lab CAs (test/lab/certs), which the workerd nodes trust here, and only here. */
const LAB_CA_CERTIFICATES = ["ca.crt", "odd-ca.crt"].map((file) =>
  fileURLToPath(new URL(`../test/lab/certs/${file}`, import.meta.url)),
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
  log?: (line: string) => void;
  /** Aborting during start-up stops what was started so far. */
  signal?: AbortSignal;
}

export interface LocalNetwork {
  coordinator: RunningCoordinator;
  /** The coordinator's local D1 and queues: `npm run admin -- ... --persist-to <this>`. */
  stateDir: string;
  /** Signs webhooks (see workers/coordinator/src/webhooks/secret.ts for the per-key secret). */
  webhookSigningSecret: string;
  nodes: (RunningProbeNode & { vantage: VantageNode })[];
  lab: RunningLab;
  /** What the lab's canary MX handed to the coordinator's email() handler, and its answers. */
  canaryMx: CanaryForwarding;
  stop(): Promise<void>;
}

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
 * processes, and
 * the coordinator under wrangler dev with a local D1 and queue. Loopback targets are allowed
 * here, and only here, by explicit configuration.
 */
export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const workDir = resolve(options.workDir);
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
    const bundles = { workerd: await buildProbeBundle(), node: await buildNodeProbeBundle() };
    const secrets: Record<string, string> = {};
    const nodes: LocalNetwork["nodes"] = [];
    for (const [index, vantage] of LOCAL_VANTAGES.entries()) {
      secrets[vantage.id] = randomBytes(32).toString("hex");
      const ports = vantage.runtime === "cloudflare" ? CLOUDFLARE_PORTS : SELF_HOSTED_PORTS;
      const node = await startProbeNode({
        nodeId: vantage.id,
        region: vantage.region,
        network: vantage.network,
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
      nodes.push({ ...node, vantage: { ...vantage, url: node.url, ports } });
    }
    const webhookSigningSecret = randomBytes(32).toString("hex");
    const stateDir = `${workDir}/coordinator-state`;
    const coordinator = await startCoordinatorOnAPort(options.coordinatorPort, (port) => ({
      port,
      stateDir,
      vars: {
        PROBE_NODES: JSON.stringify(nodes.map((node) => node.vantage)),
        NODE_SECRETS: JSON.stringify(secrets),
        ALLOW_LOOPBACK_TARGETS: "true",
        PROOF_SECRET: randomBytes(32).toString("hex"),
        // Local only: no Turnstile widget; a deployment without keys refuses anonymous checks.
        TURNSTILE: "off",
        DNS_ZONE: labZone(lab.targets),
        PROBE_TIME_BUDGET_MS: `${options.probeTimeBudgetMs ?? 60_000}`,
        TARGET_COOLDOWN_SECONDS: "30",
        // Every local caller is one address; the tests and a person trying things share it.
        ANON_CHECKS_PER_MINUTE: "30",
        WEBHOOK_SIGNING_SECRET: webhookSigningSecret,
        PROOF_WINDOW_SECONDS: `${options.proofWindowSeconds ?? 60}`,
        PUBLIC_ORIGIN: `http://127.0.0.1:${port}`,
      },
      ...(options.log ? { log: options.log } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }));
    started(() => coordinator.stop());
    // The lab's canary MX: what lab servers relay to the canary domain reaches email().
    const canaryMx = forwardCanaryMail(lab.sink, coordinator.url);
    started(async () => canaryMx.stop());
    return { coordinator, stateDir, webhookSigningSecret, nodes, lab, canaryMx, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
