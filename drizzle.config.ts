import { defineConfig } from "drizzle-kit";

// Only `generate` is used: wrangler applies the SQL files to D1 (`wrangler d1 migrations apply`),
// so no driver or credentials are configured here.
export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/coordinator/src/db/schema.ts",
  out: "./migrations",
});
