import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LAB_CANARY_DOMAIN } from "../shared/probe/defaults.ts";
import type { VantageNode } from "../shared/schemas/protocol.ts";
import { type CanaryForwarding, forwardCanaryMail } from "../test/lab/canary-mx.ts";
import { type RunningLab, startLab } from "../test/lab/lab.ts";
import { buildProbeBundle } from "./build-probe.ts";
import {
  type CoordinatorDevOptions,
  type RunningCoordinator,
  startCoordinatorDev,
} from "./coordinator-dev.ts";
import { freePort, saysAddressInUse } from "./free-port.ts";
import { labZone } from "./lab-zone.ts";
import { type RunningProbeNode, startProbeNode } from "./probe-node.ts";

/** Three vantages in different regions and networks, as in production. */
export const LOCAL_VANTAGES = [
  { id: "local-eu-west", region: "eu-west", network: "lab-net-a" },
  { id: "local-us-east", region: "us-east", network: "lab-net-b" },
  { id: "local-ap-northeast", region: "ap-northeast", network: "lab-net-c" },
] as const;

const SELF_HOSTED_PORTS = [25, 465, 587, 2525];
const LAB_CA_CERTIFICATE = fileURLToPath(new URL("../test/lab/certs/ca.crt", import.meta.url));

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
 * The whole network on one machine: the lab, three probe nodes as real workerd processes, and
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
    const bundlePath = await buildProbeBundle();
    const secrets: Record<string, string> = {};
    const nodes: LocalNetwork["nodes"] = [];
    for (const [index, vantage] of LOCAL_VANTAGES.entries()) {
      secrets[vantage.id] = randomBytes(32).toString("hex");
      const node = await startProbeNode({
        nodeId: vantage.id,
        region: vantage.region,
        network: vantage.network,
        runtime: "workerd",
        allowedPorts: SELF_HOSTED_PORTS,
        allowLoopback: true,
        canaryDomain: LAB_CANARY_DOMAIN,
        // The lab's servers present certificates of the lab CA; workerd verifies every one.
        trustedCertificate: LAB_CA_CERTIFICATE,
        secret: secrets[vantage.id] ?? "",
        bundlePath,
        workDir: `${workDir}/probe-nodes`,
        ...(options.nodeBasePort ? { listenPort: options.nodeBasePort + index } : {}),
      });
      started(() => node.kill());
      nodes.push({ ...node, vantage: { ...vantage, url: node.url, ports: SELF_HOSTED_PORTS } });
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
