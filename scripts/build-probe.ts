/**
 * Bundles the probe node (workers/probe/index.ts) into one ES module for workerd, the same code
 * wrangler deploys to Cloudflare. `tsx scripts/build-probe.ts [outfile]`.
 */
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const PROBE_ENTRY = resolve(REPO_ROOT, "workers/probe/index.ts");
export const DEFAULT_PROBE_BUNDLE = resolve(REPO_ROOT, "dist/probe/index.js");

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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outfile = await buildProbeBundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(`probe bundle: ${outfile}\n`);
}
