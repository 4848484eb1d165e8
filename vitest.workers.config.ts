import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";

const migrationsDir = fileURLToPath(new URL("./migrations", import.meta.url));

/**
 * The workers test project: test files run inside workerd with the bindings below. Storage is
 * isolated per test file, and test/workers/setup.ts applies the D1 migrations before each file.
 */
export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      miniflare: {
        compatibilityDate: "2026-07-01",
        // Same binding name as the coordinator's wrangler config.
        d1Databases: { DB: "relaywatch" },
        bindings: {
          // Read here in Node: the setup file inside workerd cannot read the file system.
          TEST_MIGRATIONS: await readD1Migrations(migrationsDir),
        },
      },
    })),
  ],
  test: {
    name: "workers",
    include: ["test/workers/**/*.test.ts"],
    setupFiles: ["./test/workers/setup.ts"],
    // A group of its own, after the node project: Vitest requires that for projects with
    // different maxWorkers, and workerd then does not compete for the 2 cores with the
    // timing-sensitive MTA tests.
    sequence: { groupOrder: 1 },
  },
});
