/**
 * Runs a self-hosted probe node as a real process, for tests and local development: workerd
 * with the Worker bundle ("workerd", or "cloudflare" to imitate a Cloudflare node's settings),
 * or Node.js with the Node bundle ("node"). `tsx lab/probe-node.ts` builds the bundles and
 * starts one node from the environment (PROBE_SECRET required; NODE_ID, NODE_REGION,
 * NODE_NETWORK, NODE_SITE, NODE_RUNTIME, NODE_ALLOWED_PORTS, NODE_MAX_CONCURRENT_JOBS,
 * PROBE_PORT, ALLOW_LOOPBACK_TARGETS, NODE_CANARY_DOMAIN, NODE_REPORT_ORIGIN optional).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { signBody } from "../shared/auth/hmac.ts";
import { NodeHealth, type NodeIdentity, NodeRuntime } from "../shared/schemas/protocol.ts";
import { DEFAULT_ALLOWED_PORTS } from "../shared/smtp/ports.ts";
import {
  buildNodejsProbeBundle,
  buildProbeBundle,
  DEFAULT_NODEJS_PROBE_BUNDLE,
  DEFAULT_PROBE_BUNDLE,
} from "../workers/probe/build.ts";
import { freePort } from "./free-port.ts";
import { DEFAULT_SECRET_ENV_VAR, probeNodeCapnp } from "./workerd-config.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKERD = resolve(REPO_ROOT, "node_modules/.bin/workerd");
const STARTUP_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 2_000;
/** Beside the config, where Cap'n Proto's `embed` finds them. */
const trustedCertificateFile = (index: number) => `trusted-${index}.pem`;
/** Ports picked by probing can be taken by someone else before workerd binds them. */
const MAX_START_ATTEMPTS = 3;

export interface StartProbeNodeOptions {
  nodeId: string;
  region: string;
  network?: string;
  site?: string;
  maxConcurrentJobs?: number;
  /** Default "workerd"; "node" runs the Node.js bundle instead of workerd. */
  runtime?: NodeRuntime;
  allowedPorts: readonly number[];
  allowLoopback: boolean;
  secret: string;
  /** NODE_CANARY_DOMAIN: the lab's for local runs, whose servers deliver it to the lab's sink. */
  canaryDomain?: string;
  /** NODE_REPORT_ORIGIN: where canary messages link to. */
  reportOrigin?: string;
  /**
   * The runtime's bundle (buildProbeBundle or buildNodejsProbeBundle); default
   * dist/probe/index.js, or dist/probe-node/index.js for "node".
   */
  bundlePath?: string;
  /** Where each node gets its own directory (config and bundle copy); default lab-run/probe-nodes. */
  workDir?: string;
  /** Default: a free port on 127.0.0.1. */
  listenPort?: number;
  /** workerd, local runs only: PEM certificates to trust besides the browser CAs (the lab's). */
  trustedCertificates?: string[];
  /** Tests only: a config probeNodeCapnp would never write, to show what workerd enforces. */
  editConfig?: (capnp: string) => string;
}

export interface RunningProbeNode {
  url: string;
  identity: NodeIdentity;
  kill(): Promise<void>;
}

/** The node gave up before serving, typically because the picked port was taken meanwhile. */
class ExitedEarly extends Error {}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Polls the (signed) health endpoint until the node answers, exits, or the start-up time runs out. */
async function awaitFirstAnswer(
  url: string,
  child: ChildProcess,
  secret: string,
): Promise<Response> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ExitedEarly(
        `the node exited (${child.exitCode ?? child.signalCode}) before answering`,
      );
    }
    try {
      return await fetch(`${url}/v1/health`, {
        headers: await signBody(secret, ""),
        signal: AbortSignal.timeout(1_000),
      });
    } catch {
      await new Promise((done) => setTimeout(done, 50));
    }
  }
  throw new Error(`the node did not answer within ${STARTUP_TIMEOUT_MS} ms`);
}

/** The Node.js node reads everything from its environment; the secret too, as under systemd. */
function nodejsCommand(options: StartProbeNodeOptions, directory: string, listenPort: number) {
  return {
    command: process.execPath,
    args: [join(directory, "probe.js")],
    env: {
      ...process.env,
      NODE_ID: options.nodeId,
      NODE_REGION: options.region,
      NODE_NETWORK: options.network ?? "lab",
      ...(options.site ? { NODE_SITE: options.site } : {}),
      ...(options.maxConcurrentJobs
        ? { NODE_MAX_CONCURRENT_JOBS: String(options.maxConcurrentJobs) }
        : {}),
      NODE_ALLOWED_PORTS: options.allowedPorts.join(","),
      ALLOW_LOOPBACK_TARGETS: String(options.allowLoopback),
      PROBE_LISTEN: `127.0.0.1:${listenPort}`,
      ...(options.canaryDomain ? { NODE_CANARY_DOMAIN: options.canaryDomain } : {}),
      ...(options.reportOrigin ? { NODE_REPORT_ORIGIN: options.reportOrigin } : {}),
      [DEFAULT_SECRET_ENV_VAR]: options.secret,
    },
  };
}

async function workerdCommand(
  options: StartProbeNodeOptions,
  directory: string,
  listenPort: number,
) {
  const config = probeNodeCapnp({
    nodeId: options.nodeId,
    region: options.region,
    network: options.network ?? "lab",
    ...(options.site ? { site: options.site } : {}),
    ...(options.maxConcurrentJobs ? { maxConcurrentJobs: options.maxConcurrentJobs } : {}),
    runtime: options.runtime ?? "workerd",
    listenPort,
    bundlePath: "probe.js",
    allowLoopback: options.allowLoopback,
    allowedPorts: options.allowedPorts,
    ...(options.canaryDomain ? { canaryDomain: options.canaryDomain } : {}),
    ...(options.reportOrigin ? { reportOrigin: options.reportOrigin } : {}),
    trustedCertificatePaths: (options.trustedCertificates ?? []).map((_, index) =>
      trustedCertificateFile(index),
    ),
  });
  const configPath = join(directory, "probe.capnp");
  await writeFile(configPath, options.editConfig ? options.editConfig(config) : config);
  // The secret reaches workerd through its environment only, never through the config file.
  return {
    command: WORKERD,
    args: ["serve", configPath],
    env: { ...process.env, [DEFAULT_SECRET_ENV_VAR]: options.secret },
  };
}

async function startOnce(
  options: StartProbeNodeOptions,
  directory: string,
  listenPort: number,
): Promise<RunningProbeNode> {
  const { command, args, env } =
    options.runtime === "node"
      ? nodejsCommand(options, directory, listenPort)
      : await workerdCommand(options, directory, listenPort);
  const stderr: string[] = [];
  const child = spawn(command, args, {
    cwd: directory,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 50) stderr.shift();
  });
  const url = `http://127.0.0.1:${listenPort}`;
  try {
    const health = await awaitFirstAnswer(url, child, options.secret);
    const body: unknown = await health.json();
    if (!health.ok) throw new Error(`the node answered ${health.status}: ${JSON.stringify(body)}`);
    return { url, identity: NodeHealth.parse(body).node, kill: () => stop(child) };
  } catch (error) {
    await stop(child);
    const detail = stderr.join("").trim();
    const message = `${(error as Error).message}${detail ? `\n${options.nodeId}: ${detail}` : ""}`;
    throw error instanceof ExitedEarly ? new ExitedEarly(message) : new Error(message);
  }
}

export async function startProbeNode(options: StartProbeNodeOptions): Promise<RunningProbeNode> {
  const workDir = resolve(options.workDir ?? join(REPO_ROOT, "lab-run/probe-nodes"));
  await mkdir(workDir, { recursive: true });
  const directory = await mkdtemp(join(workDir, `${options.nodeId}-`));
  // A copy, so rebuilding the bundle cannot change a node that is running.
  const defaultBundle =
    options.runtime === "node" ? DEFAULT_NODEJS_PROBE_BUNDLE : DEFAULT_PROBE_BUNDLE;
  await copyFile(options.bundlePath ?? defaultBundle, join(directory, "probe.js"));
  for (const [index, certificate] of (options.trustedCertificates ?? []).entries()) {
    await copyFile(certificate, join(directory, trustedCertificateFile(index)));
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt += 1) {
    try {
      const node = await startOnce(options, directory, options.listenPort ?? (await freePort()));
      return {
        ...node,
        async kill() {
          await node.kill();
          await rm(directory, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      if (!(error instanceof ExitedEarly) || options.listenPort !== undefined) break;
    }
  }
  await rm(directory, { recursive: true, force: true });
  throw lastError;
}

async function main(): Promise<void> {
  const secret = process.env.PROBE_SECRET;
  if (!secret) throw new Error("set PROBE_SECRET (at least 32 characters)");
  const runtime = NodeRuntime.parse(process.env.NODE_RUNTIME ?? "workerd");
  await (runtime === "node" ? buildNodejsProbeBundle() : buildProbeBundle());
  const node = await startProbeNode({
    nodeId: process.env.NODE_ID ?? "local",
    region: process.env.NODE_REGION ?? "local",
    network: process.env.NODE_NETWORK ?? "local",
    ...(process.env.NODE_SITE ? { site: process.env.NODE_SITE } : {}),
    ...(process.env.NODE_MAX_CONCURRENT_JOBS
      ? { maxConcurrentJobs: Number(process.env.NODE_MAX_CONCURRENT_JOBS) }
      : {}),
    runtime,
    allowedPorts: process.env.NODE_ALLOWED_PORTS?.split(",").map(Number) ?? DEFAULT_ALLOWED_PORTS,
    allowLoopback: process.env.ALLOW_LOOPBACK_TARGETS === "true",
    secret,
    ...(process.env.NODE_CANARY_DOMAIN ? { canaryDomain: process.env.NODE_CANARY_DOMAIN } : {}),
    ...(process.env.NODE_REPORT_ORIGIN ? { reportOrigin: process.env.NODE_REPORT_ORIGIN } : {}),
    ...(process.env.PROBE_PORT ? { listenPort: Number(process.env.PROBE_PORT) } : {}),
  });
  process.stdout.write(`probe node ${node.identity.nodeId} listening on ${node.url}\n`);
  const shutdown = () => void node.kill().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
