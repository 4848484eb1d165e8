/**
 * Bundles the probe node into one ES module per runtime: workers/probe/index.ts for workerd
 * (the same code wrangler deploys to Cloudflare) and workers/probe/node.ts for Node.js.
 * `tsx scripts/build-probe.ts [workerd-outfile [node-outfile]]`.
 */
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const PROBE_ENTRY = resolve(REPO_ROOT, "workers/probe/index.ts");
export const DEFAULT_PROBE_BUNDLE = resolve(REPO_ROOT, "dist/probe/index.js");
export const NODE_PROBE_ENTRY = resolve(REPO_ROOT, "workers/probe/node.ts");
export const DEFAULT_NODE_PROBE_BUNDLE = resolve(REPO_ROOT, "dist/probe-node/index.js");

export async function buildProbeBundle(outfile = DEFAULT_PROBE_BUNDLE): Promise<string> {
  await build({
    entryPoints: [PROBE_ENTRY],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // The runtime provides it; workerd resolves it at load time.
    external: ["cloudflare:sockets"],
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    logLevel: "warning",
  });
  return outfile;
}

/** One file that runs with `node` alone, no node_modules beside it (for a VPS). */
export async function buildNodeProbeBundle(outfile = DEFAULT_NODE_PROBE_BUNDLE): Promise<string> {
  await build({
    entryPoints: [NODE_PROBE_ENTRY],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [workerdOut, nodeOut] = process.argv.slice(2).map((path) => resolve(path));
  process.stdout.write(
    `probe bundle (workerd, Cloudflare): ${await buildProbeBundle(workerdOut)}\n`,
  );
  process.stdout.write(`probe bundle (Node.js): ${await buildNodeProbeBundle(nodeOut)}\n`);
}
