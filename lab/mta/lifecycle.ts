/**
 * How a lab MTA is started and stopped, the same for Postfix and Exim: end what a crashed
 * earlier run left behind, wipe and rewrite its workDir, start the daemon, wait for its
 * greeting, and stop it so that its port is free again. Each MTA says only what differs
 * (an MtaDaemon); the process and socket chores below serve both.
 */

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, readlink, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { freePort } from "../free-port.ts";
import { LAB_HOST, type MtaInstance, type MtaKind, type StartMtaOptions } from "./instance.ts";

const START_TIMEOUT_MS = 30_000;
const GREETING_TIMEOUT_MS = 15_000;
/** How long a stop may take, per step: a command, a process, the port. */
export const STOP_GRACE_MS = 10_000;

const PRODUCT_NAMES: Record<MtaKind, string> = { postfix: "Postfix", exim: "Exim" };

/** What differs between the lab's MTAs; startMta does the rest. */
export interface MtaDaemon {
  kind: MtaKind;
  /** The mail domain it serves; the server calls itself `<name>.<domain>`. */
  domain: string;
  /** The MTA's own log, shown when a start fails. */
  logFile: string;
  /** Ends what an earlier run in the same workDir left behind, before the workDir is wiped. */
  stopLeftovers(): Promise<void>;
  /** Writes directories and configuration into the freshly emptied workDir. */
  configure(port: number, hostname: string): Promise<void>;
  /** Starts the daemon, which forks into the background and returns. */
  startCommand: readonly [file: string, ...args: string[]];
  /** A log line saying the MTA will never greet (a bad setting), or null. */
  fatalError(): Promise<string | null>;
  /** Ends every process of this instance. */
  stop(): Promise<void>;
}

/** Starts an MTA in `workDir` (absolute, checked by checkStartOptions). */
export async function startMta(
  options: StartMtaOptions,
  workDir: string,
  daemon: MtaDaemon,
): Promise<MtaInstance> {
  await daemon.stopLeftovers();
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });

  const port = options.port || (await freePort());
  const hostname = `${options.name}.${daemon.domain}`;
  await daemon.configure(port, hostname);

  const [file, ...args] = daemon.startCommand;
  const started = await runCommand(file, args, { timeoutMs: START_TIMEOUT_MS });
  try {
    if (started.code !== 0) {
      throw new Error(
        `${file} ${args.join(" ")} exited ${started.code}: ${started.stdout}${started.stderr}`,
      );
    }
    await waitForGreeting(port, GREETING_TIMEOUT_MS, () => daemon.fatalError());
  } catch (error) {
    // Not waiting for the port here: after a failed start it may belong to someone else.
    await daemon.stop();
    const log = await tailOfFile(daemon.logFile);
    throw new Error(
      `${PRODUCT_NAMES[daemon.kind]} "${options.name}" did not start: ${error}\n--- ${daemon.logFile}:\n${log}`,
    );
  }

  let closing: Promise<void> | null = null;
  return {
    kind: daemon.kind,
    name: options.name,
    mode: options.mode,
    host: LAB_HOST,
    port,
    hostname,
    domain: daemon.domain,
    logFile: daemon.logFile,
    close() {
      // Resolves only once nothing holds the listening socket, so the port is really free.
      closing ??= daemon.stop().then(() => waitForPortClosed(port, STOP_GRACE_MS));
      return closing;
    },
  };
}

/** Connects once and resolves with the full 220 greeting, then says QUIT. */
function readGreetingOnce(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolveGreeting, reject) => {
    const socket = new Socket();
    let received = "";
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error("no greeting before timeout")));
    socket.once("error", fail);
    socket.once("close", () => reject(new Error(`closed before a greeting: ${received}`)));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const lines = received.split("\r\n");
      const last = lines.findLast((line) => /^\d{3} /.test(line) || /^\d{3}$/.test(line));
      if (last === undefined) return;
      if (!last.startsWith("220")) return fail(new Error(`not a 220 greeting: ${received}`));
      socket.end("QUIT\r\n");
      socket.removeAllListeners("close");
      resolveGreeting(received.trimEnd());
    });
    socket.connect(port, LAB_HOST);
  });
}

/**
 * Polls until the port greets with 220 (MTAs spawn their SMTP server lazily, so a listening
 * socket is not enough). `fatalError` is asked between attempts and ends the wait at once
 * when it finds one, instead of letting a broken config run into the timeout.
 */
async function waitForGreeting(
  port: number,
  timeoutMs: number,
  fatalError: () => Promise<string | null> = async () => null,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      return await readGreetingOnce(port, Math.max(500, Math.min(2_000, deadline - Date.now())));
    } catch (error) {
      lastError = error;
      const fatal = await fatalError();
      if (fatal !== null) throw new Error(fatal);
      await sleep(100);
    }
  }
  throw new Error(`no SMTP greeting on ${LAB_HOST}:${port} within ${timeoutMs} ms: ${lastError}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell; never throws for a non-zero exit, only reports it. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolveRun) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs, env: options.env ?? process.env, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolveRun({ code, stdout, stderr: error && code === -1 ? `${stderr}${error}` : stderr });
      },
    );
  });
}

/** The last lines of a log, for error messages; empty when the log does not exist yet. */
export async function tailOfFile(path: string, lineCount = 30): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trimEnd().split("\n").slice(-lineCount).join("\n");
  } catch {
    return "";
  }
}

/**
 * Whether a process still runs. A zombie counts as gone: daemonised MTAs are children of
 * PID 1, and a container's init may take seconds to reap them after they exited.
 */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state letter follows the command name, which is in parentheses and may contain spaces.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Polls until nothing accepts connections on the port any more (all listeners are gone). */
async function waitForPortClosed(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const accepted = await new Promise<boolean>((resolveProbe) => {
      const socket = new Socket();
      socket.setTimeout(1_000, () => {
        socket.destroy();
        resolveProbe(true);
      });
      socket.once("connect", () => {
        socket.destroy();
        resolveProbe(true);
      });
      socket.once("error", () => resolveProbe(false));
      socket.connect(port, LAB_HOST);
    });
    if (!accepted) return;
    await sleep(50);
  }
  throw new Error(`${LAB_HOST}:${port} still accepts connections after ${timeoutMs} ms`);
}

/** Waits for a process to exit, sending SIGKILL if SIGTERM was not enough within the grace time. */
export async function terminateProcess(pid: number, graceMs: number): Promise<void> {
  if (!processAlive(pid)) return;
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + graceMs;
    while (processAlive(pid) && Date.now() < deadline) await sleep(50);
    if (!processAlive(pid)) return;
  }
}

export interface ProcessInfo {
  pid: number;
  argv: string[];
  /** The program file (/proc/<pid>/exe), or null when it cannot be read. */
  executable: string | null;
  /** Working directory, or null when it cannot be read (zombie, vanished). */
  cwd: string | null;
}

/**
 * Processes left behind by a crashed earlier run are recognised by what they are, not by a
 * pid file: the file may have been wiped with the workDir, or name a pid reused since.
 */
export async function findProcesses(matches: (info: ProcessInfo) => boolean): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const argv = (await readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0").filter(Boolean);
      const [executable, cwd] = await Promise.all(
        ["exe", "cwd"].map((link) =>
          readlink(`/proc/${entry}/${link}`).then(
            (path) => path.replace(/ \(deleted\)$/, ""),
            () => null,
          ),
        ),
      );
      const info = { pid, argv, executable: executable ?? null, cwd: cwd ?? null };
      if (processAlive(pid) && matches(info)) found.push(pid);
    } catch {
      // The process exited while we looked.
    }
  }
  return found;
}

export function isInside(path: string | null, directory: string): boolean {
  return path !== null && (path === directory || path.startsWith(`${directory}/`));
}
