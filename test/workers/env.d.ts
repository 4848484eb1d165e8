// Bindings the workers test project (vitest.workers.config.ts) gives `env` from
// "cloudflare:workers". Add a binding here when adding it to that config.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    EVIDENCE: R2Bucket;
    /** Empty: test/workers/storage-backfill.test.ts migrates it itself. */
    LEGACY_DB: D1Database;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    // The coordinator's bindings (workers/coordinator/src/env.ts), from test/workers/coordinator-env.ts.
    PROBE_QUEUE: Queue<import("../../workers/coordinator/src/checks/messages.ts").ProbeMessage>;
    PROBE_NODES: string;
    NODE_SECRETS: string;
    ALLOW_LOOPBACK_TARGETS: string;
    DNS_ZONE: string;
    PROOF_SECRET: string;
    TURNSTILE: string;
    PROBE_TIME_BUDGET_MS: string;
  }
  // The config's `main`: types `exports.default` from "cloudflare:workers".
  interface GlobalProps {
    mainModule: typeof import("../../workers/coordinator/index.ts");
  }
}

declare namespace Cloudflare {
  interface Env {
    PROBE_EU_WEST: Fetcher;
    PROBE_AP_NORTHEAST: Fetcher;
  }
}

declare namespace Cloudflare {
  interface Env {
    BATCH_QUEUE: Queue<unknown>;
    WEBHOOK_QUEUE: Queue<unknown>;
  }
}

declare namespace Cloudflare {
  interface Env {
    TARGET_COOLDOWN_SECONDS: string;
    ANON_RATE_LIMITER: RateLimit;
    /** A rate limiter with a low limit, swapped in for ANON_RATE_LIMITER by the access tests. */
    STRICT_RATE_LIMITER: RateLimit;
  }
}

declare namespace Cloudflare {
  interface Env {
    WEBHOOK_SIGNING_SECRET: string;
  }
}
