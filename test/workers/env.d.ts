// Bindings the workers test project (vitest.workers.config.ts) gives `env` from
// "cloudflare:workers". Add a binding here when adding it to that config.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
