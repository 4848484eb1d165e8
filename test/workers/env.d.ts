// Bindings the workers test project (vitest.workers.config.ts) gives `env` from
// "cloudflare:workers", beyond the coordinator's own (generated from wrangler.toml into
// workers/coordinator/worker-configuration.d.ts). Add a binding here when adding it to that config.
declare namespace Cloudflare {
  interface Env {
    /** Empty: test/workers/storage-backfill.test.ts migrates it itself. */
    LEGACY_DB: D1Database;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    // Variables and secrets the coordinator reads through readConfig (workers/coordinator/src/env.ts),
    // from test/workers/coordinator-env.ts.
    NODE_SECRETS: string;
    NODE_SECRET_KEY: string;
    ALLOW_LOOPBACK_TARGETS: string;
    DNS_ZONE: string;
    PROOF_SECRET: string;
    WEBHOOK_SIGNING_SECRET: string;
    TURNSTILE: string;
    PROBE_EU_WEST: Fetcher;
    PROBE_AP_NORTHEAST: Fetcher;
    /** A rate limiter with a low limit, swapped in for ANON_RATE_LIMITER by the access tests. */
    STRICT_RATE_LIMITER: RateLimit;
  }
}
