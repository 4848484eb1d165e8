/**
 * The probe node on Node.js: the same Hono app and engine as on Workers and workerd, with
 * node:net/node:tls sockets, which record a server's certificate (subject, issuer, validity,
 * names, verified or why not) and never refuse it. So this node tests every TLS server, as MTAs
 * reach them: they encrypt opportunistically and do not verify.
 *
 *   NODE_ID=vps-eu-west-1 NODE_REGION=eu-west NODE_NETWORK=example-hosting \
 *   PROBE_SECRET=<32+ characters> node dist/probe-node/index.js
 *
 * Optional: NODE_ALLOWED_PORTS (default: the guard's, DEFAULT_ALLOWED_PORTS), NODE_CANARY_DOMAIN,
 * NODE_REPORT_ORIGIN, NODE_MAX_MESSAGES, NODE_SERVICE_DOMAIN (as on workerd), ALLOW_LOOPBACK_TARGETS (tests and
 * local runs only), PROBE_LISTEN: `address:port` (default 127.0.0.1:8788) or the path of a Unix
 * socket, which keeps the node reachable by its reverse proxy when the OS denies it every local
 * address (see relaywatch-probe-node.service). NODE_RUNTIME is always "node" here.
 */
import { lstat, unlink } from "node:fs/promises";
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { nodejsConnector } from "../../shared/smtp/nodejs-stream.ts";
import { DEFAULT_ALLOWED_PORTS } from "../../shared/smtp/ports.ts";
import { createProbeApp } from "./app.ts";
import { parseNodeConfig } from "./config.ts";

const NODE_VARIABLES = [
  "NODE_ID",
  "NODE_REGION",
  "NODE_NETWORK",
  "NODE_SITE",
  "NODE_MAX_CONCURRENT_JOBS",
  "NODE_ALLOWED_PORTS",
  "PROBE_SECRET",
  "ALLOW_LOOPBACK_TARGETS",
  "NODE_CANARY_DOMAIN",
  "NODE_REPORT_ORIGIN",
  "NODE_MAX_MESSAGES",
  "NODE_SERVICE_DOMAIN",
] as const;
const DEFAULT_LISTEN = "127.0.0.1:8788";

/** The node's variables only: the rest of the process environment never reaches the app. */
function nodeEnv(source: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ALLOWED_PORTS: DEFAULT_ALLOWED_PORTS.join(","),
    NODE_RUNTIME: "node",
  };
  for (const name of NODE_VARIABLES) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

type Listen = { path: string } | { host: string; port: number };

function parseListen(text: string): Listen {
  if (text.startsWith("/")) return { path: text };
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port >= 0 && port <= 65_535)) {
    throw new Error(`PROBE_LISTEN must be address:port or an absolute socket path, not ${text}`);
  }
  return { host: match[1], port };
}

/** A socket file left by an earlier run would make listen() fail; anything else is kept. */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => null);
  if (stat?.isSocket()) await unlink(path);
}

async function main(): Promise<void> {
  const env = nodeEnv(process.env);
  // Refuse to start rather than serve 500s: the operator sees the problem at once.
  const config = parseNodeConfig(env);
  if (!config.ok) throw new Error(`this probe node is misconfigured: ${config.problem}`);
  const app = createProbeApp({ connector: nodejsConnector, runtimes: ["node"] });
  const server = createAdaptorServer({ fetch: (request) => app.fetch(request, env) }) as Server;
  const listen = parseListen(process.env.PROBE_LISTEN ?? DEFAULT_LISTEN);
  if ("path" in listen) await removeStaleSocket(listen.path);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // A Unix socket is opened to everyone: the reverse proxy runs as another user, and every
    // job is authenticated by its signature anyway.
    server.listen(
      "path" in listen ? { path: listen.path, readableAll: true, writableAll: true } : listen,
      resolve,
    );
  });
  const address = server.address();
  const where =
    typeof address === "string" ? address : `${address?.address}:${address?.port ?? ""}`;
  const { nodeId, region } = config.config.identity;
  process.stdout.write(`relaywatch probe node ${nodeId} (${region}, node) listening on ${where}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
