import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Real MTAs and sockets: keep files in separate processes but few at once on 2 cores.
          pool: "forks",
          maxWorkers: 2,
        },
      },
      // Tests inside workerd (Miniflare), with the coordinator's bindings.
      "./vitest.workers.config.ts",
    ],
  },
});
