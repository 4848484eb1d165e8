import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";
import {
  ANON_RATE_LIMIT_FOR_TESTS,
  AUX_PROBE_NODES,
  AUX_SERVICE_DOMAIN,
  CANARY_DOMAIN,
  coordinatorVars,
  PROBE_QUEUE_NAME,
  REGISTRY_ONLY_NODES,
  STRICT_RATE_LIMIT,
  TEST_NODES,
  TLS_FALLBACK_NODES,
} from "./test/workers/coordinator-env.ts";
import { createProbeNodeStandIn } from "./test/workers/probe-node-stand-in.ts";
import { buildProbeBundle } from "./workers/probe/build.ts";

const migrationsDir = fileURLToPath(new URL("./migrations", import.meta.url));

/**
 * The workers test project: test files run inside workerd with the bindings below. Storage is
 * isolated per test file, and test/workers/setup.ts applies the D1 migrations before each file.
 */
export default defineProject({
  plugins: [
    cloudflareTest(async () => {
      // Runs here in Node: answers the coordinator's calls to probe nodes (and every other
      // outbound fetch), so no test reaches the network.
      const probeNodes = createProbeNodeStandIn([
        ...TEST_NODES,
        ...REGISTRY_ONLY_NODES,
        ...TLS_FALLBACK_NODES,
      ]);
      // Real probe Workers, built from workers/probe, as auxiliary workers behind service
      // bindings: they run the real engine over connect() against a lab server on loopback.
      const probeBundle = await buildProbeBundle();
      return {
        // The coordinator, as wrangler.toml's `main`: `exports.default` in the tests.
        main: "./workers/coordinator/index.ts",
        miniflare: {
          compatibilityDate: "2026-07-01",
          // As wrangler.toml: badge-maker's width tables need Node.js compatibility (the pool
          // would turn it on for itself anyway, so only a wrangler build shows it missing).
          compatibilityFlags: ["nodejs_compat"],
          // Same binding names as the coordinator's wrangler config.
          // LEGACY_DB: a second database the storage backfill test fills through old migrations.
          d1Databases: { DB: "relaywatch", LEGACY_DB: "relaywatch-legacy" },
          r2Buckets: { EVIDENCE: "relaywatch-evidence" },
          // A producer only: no consumer, so tests run `queue()` themselves with the messages.
          queueProducers: {
            PROBE_QUEUE: PROBE_QUEUE_NAME,
            BATCH_QUEUE: "relaywatch-batch-jobs",
            WEBHOOK_QUEUE: "relaywatch-webhooks",
          },
          // Same name as wrangler.toml's [[ratelimits]]: generous for the tests at large, which
          // all come from one address; STRICT_RATE_LIMITER is swapped in where a test needs a 429.
          ratelimits: {
            ANON_RATE_LIMITER: {
              namespace_id: "1001",
              simple: { limit: ANON_RATE_LIMIT_FOR_TESTS, period: 60 },
            },
            STRICT_RATE_LIMITER: {
              namespace_id: "1002",
              simple: { limit: STRICT_RATE_LIMIT, period: 60 },
            },
          },
          bindings: {
            ...coordinatorVars(),
            // Read here in Node: the setup file inside workerd cannot read the file system.
            TEST_MIGRATIONS: await readD1Migrations(migrationsDir),
          },
          outboundService: (request) => probeNodes(request),
          serviceBindings: Object.fromEntries(
            AUX_PROBE_NODES.map((node) => [node.binding, node.workerName]),
          ),
          workers: AUX_PROBE_NODES.map((node) => ({
            name: node.workerName,
            modules: true,
            scriptPath: probeBundle,
            compatibilityDate: "2025-09-01",
            bindings: {
              NODE_ID: node.id,
              NODE_REGION: node.region,
              NODE_NETWORK: node.network,
              NODE_RUNTIME: "workerd",
              NODE_ALLOWED_PORTS: node.ports.join(","),
              ALLOW_LOOPBACK_TARGETS: "true",
              NODE_CANARY_DOMAIN: CANARY_DOMAIN,
              PROBE_SECRET: node.secret,
              NODE_SERVICE_DOMAIN: AUX_SERVICE_DOMAIN,
            },
          })),
        },
      };
    }),
  ],
  test: {
    name: "workers",
    include: ["test/workers/**/*.test.ts"],
    setupFiles: ["./test/workers/setup.ts"],
    globalSetup: ["./test/workers/global-setup.ts"],
    // A group of its own, after the node project: Vitest requires that for projects with
    // different maxWorkers, and workerd then does not compete for the 2 cores with the
    // timing-sensitive MTA tests.
    sequence: { groupOrder: 1 },
  },
});
