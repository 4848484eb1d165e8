import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = resolve(REPO_ROOT, "node_modules/.bin/wrangler");
const STARTUP_TIMEOUT_MS = 90_000;

export interface CoordinatorDevOptions {
  port: number;
  /** Local D1 and queue state live here. */
  stateDir: string;
  vars: Record<string, string>;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface RunningCoordinator {
  url: string;
  stop(): Promise<void>;
}

function run(args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(WRANGLER, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    const collect = (chunk: Buffer) => output.push(chunk.toString());
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("exit", (code) => {
      if (code === 0) done();
      else {
        log(output.join(""));
        fail(new Error(`wrangler ${args.join(" ")} exited with ${code}`));
      }
    });
  });
}

/**
 * A dotenv file as wrangler's parser (dotenv 16) reads it: single quotes keep JSON literally;
 * double quotes carry multi-line values (a zone file) across lines, and backticks those that
 * hold double quotes too (a zone with TXT records). No form can escape its own quote
 * character, and `$` would be expanded, so such values are refused rather than garbled.
 */
function dotenv(vars: Record<string, string>): string {
  const quote = (key: string, value: string) => {
    if (!/[\n']/.test(value)) return `'${value}'`;
    if (!/["$]/.test(value)) return `"${value}"`;
    if (!/[`$]/.test(value)) return `\`${value}\``;
    throw new Error(`${key} has quotes or $ and newlines; it cannot go into an env file`);
  };
  return `${Object.entries(vars)
    .map(([key, value]) => `${key}=${quote(key, value)}`)
    .join("\n")}\n`;
}

async function waitForApi(url: string, child: ChildProcess, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/api/v1/checks/startup-probe`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (response.status === 404) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((wait) => setTimeout(wait, 300));
  }
  throw new Error(`the coordinator did not answer on ${url} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

/**
 * The coordinator under `wrangler dev` with a local D1 (migrations applied first) and a local
 * queue, on 127.0.0.1 only. Variables go through an env file so multi-line values survive.
 */
export async function startCoordinatorDev(
  options: CoordinatorDevOptions,
): Promise<RunningCoordinator> {
  const log = options.log ?? (() => {});
  const stateDir = resolve(options.stateDir);
  await mkdir(stateDir, { recursive: true });
  await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], log);
  const envFile = join(stateDir, "coordinator.env");
  await writeFile(envFile, dotenv(options.vars), { mode: 0o600 });
  const child = spawn(
    WRANGLER,
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      `${options.port}`,
      "--persist-to",
      stateDir,
      "--env-file",
      envFile,
      "--show-interactive-dev-session=false",
      // GET /__scheduled runs the cron now: tests and people need not wait for the minute.
      "--test-scheduled",
      // Several networks may run at once (tests): none may fight over the default 9229.
      "--inspector-port",
      `${await freePort()}`,
      "--log-level",
      "warn",
    ],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  // The last lines wrangler printed, for the error when it fails to start.
  const recent: string[] = [];
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      log(line);
      recent.push(line);
      if (recent.length > 20) recent.shift();
    }
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((done) => child.once("exit", done));
    // wrangler dev starts workerd children: end the whole process group.
    process.kill(-child.pid, "SIGTERM");
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForApi(url, child, options.signal);
  } catch (error) {
    await stop();
    const said = recent.length > 0 ? `\nwrangler said:\n${recent.join("\n")}` : "";
    throw new Error(`${error instanceof Error ? error.message : String(error)}${said}`);
  }
  return { url, stop };
}
