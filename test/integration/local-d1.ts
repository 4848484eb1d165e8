import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** A real local D1 for the admin CLI tests: migrated by wrangler into a temporary directory. */

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(REPO_ROOT, "node_modules/.bin/wrangler");

export interface LocalD1 {
  /** The `--persist-to` directory. */
  dir: string;
  /** Runs SQL with `wrangler d1 execute --json` and returns the rows of the first statement. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  remove(): Promise<void>;
}

export async function migratedLocalD1(prefix: string): Promise<LocalD1> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await run(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: "true" },
  });
  return {
    dir,
    async query(sql) {
      const { stdout } = await run(
        WRANGLER,
        ["d1", "execute", "DB", "--local", "--persist-to", dir, "--json", "--command", sql],
        { cwd: REPO_ROOT },
      );
      return (JSON.parse(stdout) as { results: Record<string, unknown>[] }[])[0]?.results ?? [];
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
