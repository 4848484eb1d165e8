import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real MTAs and sockets: keep files in separate processes but few at once on 2 cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
