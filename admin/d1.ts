/**
 * What the admin commands share: their errors and exit codes, SQL literals, and the one way
 * they reach the coordinator's D1 (`wrangler d1 execute`, local or --remote).
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const EXIT_NOT_FOUND = 1;
export const EXIT_USAGE = 64;
export const EXIT_UNAVAILABLE = 69;

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = resolve(REPO_ROOT, "node_modules/.bin/wrangler");

export class AdminError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Bad arguments: the CLI prints the message and its usage, and exits 64. */
export class UsageError extends AdminError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** A SQL string literal: quotes doubled, so no value can end the literal early. */
export function sqlText(value: string): string {
  if (value.includes("\0")) throw new UsageError("values may not contain NUL characters");
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL integer literal, from a number that is checked to be one. */
export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

export interface Target {
  remote: boolean;
  persistTo: string | undefined;
}

/** Runs SQL through `wrangler d1 execute DB` and returns the rows of its last statement. */
export async function execute(target: Target, sql: string): Promise<Record<string, unknown>[]> {
  const where = target.remote
    ? ["--remote"]
    : ["--local", ...(target.persistTo ? ["--persist-to", resolve(target.persistTo)] : [])];
  const args = ["d1", "execute", "DB", ...where, "--json", "--yes", "--command", sql];
  const { code, stdout, stderr } = await run(WRANGLER, args);
  if (code !== 0) {
    throw new AdminError(
      `wrangler d1 execute failed (exit ${code}):\n${stderr.trim() || stdout.trim()}`,
      EXIT_UNAVAILABLE,
    );
  }
  const results = JSON.parse(stdout) as { results: Record<string, unknown>[] }[];
  return results.at(-1)?.results ?? [];
}

function run(command: string, args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    // No shell: the SQL is one argument, whatever it contains.
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}
