/**
 * Bundles the probe node into one ES module per runtime: workers/probe/index.ts for workerd
 * (the same code wrangler deploys to Cloudflare) and workers/probe/nodejs.ts for Node.js.
 * `tsx workers/probe/build.ts [workerd-outfile [node-outfile]]`.
 */
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const PROBE_ENTRY = resolve(REPO_ROOT, "workers/probe/index.ts");
export const DEFAULT_PROBE_BUNDLE = resolve(REPO_ROOT, "dist/probe/index.js");
export const NODEJS_PROBE_ENTRY = resolve(REPO_ROOT, "workers/probe/nodejs.ts");
export const DEFAULT_NODEJS_PROBE_BUNDLE = resolve(REPO_ROOT, "dist/probe-node/index.js");

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
export async function buildNodejsProbeBundle(
  outfile = DEFAULT_NODEJS_PROBE_BUNDLE,
): Promise<string> {
  await build({
    entryPoints: [NODEJS_PROBE_ENTRY],
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
  process.stdout.write(`probe bundle (Node.js): ${await buildNodejsProbeBundle(nodeOut)}\n`);
}
