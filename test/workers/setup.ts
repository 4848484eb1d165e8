import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Runs before each test file. Each file gets fresh storage, and the migrations table makes
// applying them again a no-op anyway.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
